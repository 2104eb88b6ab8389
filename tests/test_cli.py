"""The organisers' command line: create, list, export, import, and erase a session (GDPR)."""

import csv
import io
import json
import re
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import select, text

from tests.test_harvest import TEXTS, build_known_session
from workshop import domain
from workshop.extensions import db
from workshop.models import Session


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, code=0, **kwargs):
        result = runner.invoke(args=[str(a) for a in args], **kwargs)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_help_texts_are_the_docstrings(cli):
    assert "Erase session CODE and everything about its participants" in cli(
        "delete-session", "--help"
    )
    assert "Export the harvest of session CODE" in cli("export", "--help")
    assert "--anonymise" in cli("export", "--help")
    listing = cli("--help")
    for command in ("create-event", "create-session", "list", "export", "import-json"):
        assert command in listing


def test_create_event_session_and_list(cli, ctx):
    output = cli("create-event", "Energy-Up 2026")
    event_id = int(re.search(r"Event (\d+)", output).group(1))
    output = cli("create-session", "Aan tafel", "--event", event_id)
    code = re.search(r"code (\w{6})", output).group(1)
    assert "?key=" in output
    cli("create-session", "Losse sessie", "--language", "en", "--template", "")
    listing = cli("list")
    assert f"Event {event_id}: Energy-Up 2026" in listing
    event_part, loose_part = listing.split("Without an event")
    assert code in event_part and "Aan tafel" in event_part and "Losse sessie" in loose_part
    assert "Unknown template" in cli("create-session", "x", "--template", "nope", code=1)
    assert "No event with that id" in cli("create-session", "x", "--event", 999, code=1)


def test_export_every_format_to_a_file(cli, ctx, tmp_path):
    session, _, _ = build_known_session()
    for fmt in ("csv", "xlsx", "json", "md", "docx"):
        output = tmp_path / f"harvest.{fmt}"
        assert "Wrote" in cli("export", session.code.lower(), "--format", fmt, "--output", output)
        assert output.stat().st_size > 0
    rows = list(
        csv.reader(io.StringIO((tmp_path / "harvest.csv").read_text("utf-8-sig")), delimiter=";")
    )
    assert len(rows) == 1 + 7 and rows[1][3] == TEXTS[0]
    assert openpyxl.load_workbook(tmp_path / "harvest.xlsx").sheetnames[0] == "Samenvatting"
    assert len(json.loads((tmp_path / "harvest.json").read_text())["sessions"][0]["insights"]) == 7
    assert (tmp_path / "harvest.md").read_text().startswith("# Aan tafel met de wijkaanpak")
    assert docx.Document(tmp_path / "harvest.docx").paragraphs[0].text == session.title

    hidden = tmp_path / "full.csv"
    cli(
        "export",
        session.code,
        "--format",
        "csv",
        "--output",
        hidden,
        "--include-hidden",
        "--anonymise",
        "--delimiter",
        "comma",
    )
    text = hidden.read_text("utf-8-sig")
    assert TEXTS[6].split("\n")[0] in text and "Joost" not in text and text.startswith("Sessie,")
    event = tmp_path / "event.json"
    cli("export", "--event", session.event_id, "--format", "json", "--output", event)
    assert json.loads(event.read_text())["event"]["name"] == "Energy-Up 2026"
    assert "No session with that code" in cli(
        "export", "ZZZZZZ", "--format", "csv", "--output", event, code=1
    )
    assert "one of them" in cli("export", "--format", "csv", "--output", event, code=2)


def every_row(database) -> dict[str, list[tuple]]:
    """Every row of every table the app's metadata knows, as tuples of values."""
    return {
        table.name: [tuple(row) for row in database.session.execute(select(table)).all()]
        for table in database.metadata.sorted_tables
    }


MARKER = b"Te wissen sessie"


def stored_bytes(app) -> bytes | None:
    """The SQLite database file and its write-ahead log (None on PostgreSQL)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_delete_session_erases_everything_about_its_participants(cli, ctx, app):
    doomed, _, _ = build_known_session(title="Te wissen sessie")
    kept, _, kept_insights = build_known_session(title="Blijvende sessie")
    doomed_code, doomed_id, kept_code = doomed.code, doomed.id, kept.code
    doomed_tables = [t.id for t in doomed.tables]
    before = every_row(db)
    sqlite = stored_bytes(app) is not None
    if sqlite:  # write everything into the main file first, as a long-running server would
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    assert not sqlite or MARKER in stored_bytes(app)  # the check below can fail

    output = cli("delete-session", doomed_code, input="n\n", code=1)
    assert "Nothing deleted" in output and domain.get_session(doomed_code)
    output = cli("delete-session", doomed_code, "--yes")
    assert "Deleted session" in output and "7 participants" in output and "8 insights" in output

    db.session.expire_all()
    after = every_row(db)
    assert set(after) == set(before)  # every table the app has, whoever added it
    for name, rows in after.items():
        table = db.metadata.tables[name]
        for column in ("session_id", "table_id"):
            if column in table.c:
                position = list(table.c.keys()).index(column)
                wrong = doomed_tables if column == "table_id" else [doomed_id]
                assert not [r for r in rows if r[position] in wrong], (name, column)
        flat = " ".join(str(value) for row in rows for value in row)
        assert "Te wissen sessie" not in flat and doomed_code not in flat, name
    # Its participants' texts and names survive only in the other session, as often as there.
    flat = " ".join(str(v) for rows in after.values() for row in rows for v in row)
    assert flat.count("Anouk O'Brien") == 1 and flat.count(TEXTS[0]) == 1
    assert len(after["insight"]) == len(kept_insights) and len(after["session"]) == 1
    assert len(after["vote"]) == len(before["vote"]) // 2
    assert db.session.scalar(select(Session.code)) == kept_code

    # secure_delete and a checkpoint: the texts are not left in the database files either
    assert not sqlite or MARKER not in stored_bytes(app)
    assert "No session with that code" in cli("delete-session", doomed_code, "--yes", code=1)


def test_the_first_start_demo_session_is_marked_as_a_demo(app):
    """The automatic session must not pass for a real one among the organiser's sessions."""
    from sqlalchemy import select

    from workshop.cli import prepare
    from workshop.extensions import db
    from workshop.models import Session

    prepare(app)
    prepare(app)  # a second start adds nothing
    with app.app_context():
        (demo,) = db.session.scalars(select(Session)).all()
        assert demo.title.startswith("Demo:") and demo.description.startswith("Demosessie")


def test_a_template_gives_the_title_when_none_is_typed(ctx):
    from workshop import domain

    dutch, _ = domain.create_session("", "nl", "wijkaanpak")
    english, _ = domain.create_session(None, "en", "wijkaanpak")
    own, _ = domain.create_session("Middagronde", "nl", "wijkaanpak")
    assert dutch.title == "Aan tafel met de wijkaanpak"
    assert english.title == "At the table with the neighbourhood approach"
    assert own.title == "Middagronde"
