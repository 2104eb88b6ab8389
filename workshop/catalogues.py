"""Compiled translations on every start path, not only after `make run`.

The .mo files are build output (not in git). `python app.py`, `flask ...` and a service manager
all go through create_app, so it compiles each catalogue whose .mo is missing or older than its
.po: a fresh checkout started as docs/DEPLOYMENT.md says speaks Dutch from the first request.
"""

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, request

DIRECTORY = Path(__file__).parent / "translations"
LANGUAGES = ("nl", "en")
log = logging.getLogger(__name__)


def stale(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def compile_stale(directory: Path = DIRECTORY) -> list[Path]:
    """Compile every stale catalogue under `directory`; answer the .mo files written.

    Each file is written next to its .po through a temporary file and a rename, so a process
    starting at the same moment never reads half a catalogue. Fuzzy entries stay out, as with
    `pybabel compile`. A read-only install only logs a warning: the pages then fall back to
    English, and the warning says why.
    """
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        if not stale(po):
            continue
        mo = po.with_suffix(".mo")
        try:
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parent.parent.name)
            fd, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
            try:
                with os.fdopen(fd, "wb") as target:
                    write_mo(target, catalogue)
                os.replace(temporary, mo)
            finally:
                Path(temporary).unlink(missing_ok=True)
        except OSError as error:
            log.warning(
                "Cannot compile %s (%s): run `pybabel compile -d %s`.", po, error, directory
            )
            continue
        written.append(mo)
    return written


def select_locale() -> str:
    """`?lang=` wins, then the remembered choice, then the session's language."""
    for choice in (request.args.get("lang"), request.cookies.get("lang")):
        if choice in LANGUAGES:
            return choice
    return g.get("session_language") or request.accept_languages.best_match(LANGUAGES) or "nl"
