"""Every user-facing string has a Dutch translation: extract the catalogue afresh and compare."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.pofile import read_po
from flask import render_template_string

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_is_translated_to_dutch(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "N_", "-o", str(template), "workshop", "templates"],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with template.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "workshop/translations/nl/LC_MESSAGES/messages.po").open("rb") as f:
        dutch = {m.id: m.string for m in read_po(f, locale="nl") if m.id}
    missing = sorted(str(i) for i in wanted if not dutch.get(i))
    assert len(wanted) > 50
    assert missing == [], f"untranslated (run `make catalogues`, then translate): {missing}"


def test_pages_speak_the_chosen_language(client, api_client):
    created = api_client.create_session()
    dutch = client.get(f"/j/{created['code']}").get_data(as_text=True)
    english = client.get(f"/j/{created['code']}?lang=en").get_data(as_text=True)
    assert "Welkom aan tafel" in dutch and 'lang="nl"' in dutch
    assert "Welcome to the table" in english and 'lang="en"' in english
    remembered = client.get(f"/w/{created['code']}").get_data(as_text=True)
    assert "Scan and join" in remembered  # the choice is kept in a cookie


def test_numbers_and_dates_follow_the_language(app):
    """Big counts on the wall and dates on the organiser page read as the room writes them."""
    when = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    page = "{{ 1200 | number }} · {{ when | dateformat('medium') }}"
    with app.test_request_context("/?lang=nl"):
        assert render_template_string(page, when=when) == "1.200 · 25 nov 2026"
    with app.test_request_context("/?lang=en"):
        assert render_template_string(page, when=when) == "1,200 · Nov 25, 2026"
