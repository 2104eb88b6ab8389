"""Every start path speaks Dutch: a fresh checkout started as docs/DEPLOYMENT.md says.

The compiled catalogues (.mo) are build output and not in git; before, only `make run` compiled
them, so `python app.py` on a fresh checkout served English on pages that said lang="nl".
"""

import shutil
import subprocess

import requests

from tests.support import ROOT, LiveServer


def fresh_checkout(target):
    """The files git tracks, as a clone or a deployment copy has them: no .mo, no instance/."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in tracked)):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    assert not list(target.glob("workshop/translations/*/LC_MESSAGES/*.mo"))
    return target


def test_python_app_py_on_a_fresh_checkout_speaks_dutch(tmp_path, monkeypatch):
    checkout = fresh_checkout(tmp_path / "srv")
    monkeypatch.setattr(LiveServer, "root", checkout)  # LiveServer runs `python app.py` there
    server = LiveServer(tmp_path).start()
    try:
        page = requests.get(server.url + "/?lang=nl", timeout=10)
        assert 'lang="nl"' in page.text
        assert "Doe mee aan een tafelsessie" in page.text
        assert "Join a table session" not in page.text
    finally:
        server.stop()
    assert list(checkout.glob("workshop/translations/nl/LC_MESSAGES/messages.mo"))
