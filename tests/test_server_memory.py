"""What a serving process holds: the app once, and no library that only some requests need.

With 1,000 phones the server took 244 MB (PSS) while gunicorn's master held a built app, Alembic
included, next to its worker's; 198 MB since the master imports nothing of the app and the
worker leaves out Flask-Migrate (docs/BENCHMARKS.md, issue 16).
"""

import json
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

# Libraries a live session never uses: migrations run before the server starts, and exports,
# printing, the library's feed and a story's Markdown load on the first request that needs them.
ON_FIRST_USE = (
    "alembic",
    "flask_migrate",
    "openpyxl",
    "numpy",
    "docx",
    "reportlab",
    "feedgen",
    "markdown_it",
)


def mapped_packages(pid: int) -> set[str]:
    """The site-packages whose native code the process has mapped."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {
        line.split("site-packages/")[1].split("/")[0]
        for line in maps.splitlines()
        if "site-packages/" in line
    }


def test_gunicorns_master_holds_none_of_the_app_and_its_worker_does(live_server):
    (worker,) = live_server.worker_pids()
    assert "sqlalchemy" in mapped_packages(worker)
    master = mapped_packages(live_server.process.pid)
    assert not master & {"sqlalchemy", "markupsafe", "PIL", "psycopg_binary"}, master


def test_a_serving_app_loads_what_only_some_requests_need_on_first_use(tmp_path):
    script = f"""
import json, sys
from workshop import create_app, harvest, markup
from workshop.extensions import db
app = create_app(
    {{"SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/x.sqlite3", "REDIS_URL": None}},
    migrations=False,
)
print(json.dumps([m for m in {ON_FIRST_USE!r} if m in sys.modules]))
with app.app_context():
    db.create_all()
assert app.test_client().get("/library.atom").status_code == 200
assert "<em>" in markup.to_html("*ja*")
harvest.export([], "xlsx")
print(json.dumps([m for m in {ON_FIRST_USE!r} if m in sys.modules]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"SECRET_KEY": "test", "ORGANISER_TOKEN": "x" * 40, "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    at_start, after_use = map(json.loads, done.stdout.splitlines())
    assert at_start == []
    assert {"feedgen", "markdown_it", "openpyxl"} <= set(after_use)
    assert "alembic" not in after_use
