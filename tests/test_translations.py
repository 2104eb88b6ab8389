"""Every user-facing string has a Dutch translation: extract the catalogue afresh and compare."""

import re
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
        # A fuzzy entry is a guess pybabel made from another message: compiled, it is not used.
        dutch = {m.id: m.string for m in read_po(f, locale="nl") if m.id and not m.fuzzy}
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


def test_wall_counts_in_singular_and_plural_and_a_vote_is_worded_one_way(client, api_client):
    """ "1 inzicht", "2 inzichten"; a vote reads "1× herkend" on the wall as in the exports."""
    created = api_client.create_session()
    first, second = created["tables"][0], created["tables"][1]
    me = api_client.join(created["code"], first["id"], name="Noor")
    voter = api_client.join(created["code"], first["id"], name="Bram")
    one = api_client.post(created["code"], me["token"], first["id"], "Eén inzicht.").json()
    api_client.post(created["code"], me["token"], first["id"], "Twee inzichten.")
    for text in ("Een.", "Twee.", "Drie."):
        api_client.post(created["code"], me["token"], second["id"], text)
    api_client.call(
        "POST", f"/sessions/{created['code']}/insights/{one['id']}/vote", voter["token"]
    )
    wall = client.get(f"/w/{created['code']}").get_data(as_text=True)
    counts = re.findall(
        r"data-table-count>(\d+)</span> <span data-insights-word>(\w+)</span>", wall
    )
    assert counts == [("2", "inzichten"), ("3", "inzichten"), ("0", "inzichten")]
    api_client.call(
        "PATCH",
        f"/sessions/{created['code']}/insights/{one['id']}",
        created["facilitator_key"],
        json={"status": "hidden"},
    )
    wall = client.get(f"/w/{created['code']}").get_data(as_text=True)
    assert re.findall(r"data-table-count>(\d+)</span> <span data-insights-word>(\w+)</span>", wall)[
        0
    ] == ("1", "inzicht")
    assert "herkenbaar" not in wall and "keer herkend" not in wall
    page_data = wall.split('id="wall-views-data">', 1)[1]
    assert '"recognised": "{n}\\u00d7 herkend"' in page_data or '"{n}× herkend"' in page_data
    assert '"insight_one": "inzicht"' in wall and '"insight_other": "inzichten"' in wall


def test_a_vote_on_a_card_reads_n_times_recognised(client, api_client):
    created = api_client.create_session()
    table = created["tables"][0]
    me = api_client.join(created["code"], table["id"], name="Noor")
    voter = api_client.join(created["code"], table["id"], name="Bram")
    one = api_client.post(created["code"], me["token"], table["id"], "Eén inzicht.").json()
    api_client.call(
        "POST", f"/sessions/{created['code']}/insights/{one['id']}/vote", voter["token"]
    )
    dutch = client.get(f"/w/{created['code']}").get_data(as_text=True)
    card = dutch.split(f'data-id="{one["id"]}"', 1)[1].split("</article>", 1)[0]
    text = re.sub(r"<[^>]+>", "", card.split('class="votes"', 1)[1])
    assert re.sub(r"\s+", " ", text).strip().startswith('data-field="votes">🙋 1× herkend')
    english = client.get(f"/w/{created['code']}?lang=en").get_data(as_text=True)
    card = english.split(f'data-id="{one["id"]}"', 1)[1].split("</article>", 1)[0]
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", card)).count("recognised 1×") == 1


def test_organiser_sign_in_hint_shows_the_command_not_backticks(client):
    for language, words in (("nl", "toont het"), ("en", "prints it")):
        page = client.get(f"/o/?lang={language}").get_data(as_text=True)
        assert f"<code>make run</code> {words}" in page
        assert "`" not in page.split("<main", 1)[1]
