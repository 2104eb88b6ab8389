"""A table's story (docs/HARVEST.md, "Stories"): the draft, saving over HTTP, and the report.

The draft is made in the domain from what the table left: the host's summary, the most
recognised insights that may be quoted (attributed as consented) and the perspectives covered.
"""

import io
import uuid

import docx
import pytest

from tests.support import ORGANISER_TOKEN
from workshop import domain


@pytest.fixture
def table(ctx):
    """An open wijkaanpak session's first table, with three participants of different consent."""
    session, _key = domain.create_session("Aan tafel", template="wijkaanpak")
    domain.change_state(session, "open")
    return session, session.tables[0]


def speak(session, table, text, votes=0, **who):
    consent = who.pop("consent", None)
    participant, _ = domain.join(
        session, {"table_id": table.id, **who, **({"quote_consent": consent} if consent else {})}
    )
    insight, _ = domain.post_insight(
        session,
        participant,
        {"client_id": str(uuid.uuid4()), "table_id": table.id, "text": text,
         "perspectives": ["residents"] if votes else []},
    )  # fmt: skip
    for _ in range(votes):
        voter, _ = domain.join(session, {"table_id": table.id})
        domain.vote(session, voter, insight.id)
    return insight


def test_the_draft_holds_summary_top_quotes_and_coverage(table):
    session, first = table
    domain.write_summary(session, first.id, {"text": "Vertrouwen komt te voet.\nBegin klein."})
    speak(session, first, "Keukentafelgesprekken werkten.", votes=3, name="Tijs van Gisbergen",
          role="projectleider", organisation="gemeente Tilburg", consent="name")  # fmt: skip
    speak(session, first, "Een *folder* <b>werkt</b> niet.", votes=1, name="Noor")
    speak(session, first, "Niemand herkende dit.", votes=0, name="Sanne")
    text, draft = domain.get_story(session, first.id)
    assert draft is True
    assert text.startswith("Vertrouwen komt te voet.\n\nBegin klein.")
    assert "“Keukentafelgesprekken werkten.”" in text
    assert "— Tijs van Gisbergen, projectleider, gemeente Tilburg · 3× herkend" in text
    # Participants' text is escaped: it reads as typed, its "markup" does nothing.
    assert r"Een \*folder\* \<b\>werkt\</b\> niet." in text
    assert "— een deelnemer · 1× herkend" in text and "Noor" not in text
    assert "Niemand herkende dit." not in text  # only recognised insights are quoted
    assert text.index("Keukentafelgesprekken") < text.index("folder")  # most recognised first
    assert "- Bewoners (2)" in text  # the perspectives covered, with the blind spots after
    assert "Niet aan bod gekomen:" in text


def test_the_draft_never_quotes_room_hidden_or_pending_insights(table):
    session, first = table
    room = speak(session, first, "Alleen voor de zaal.", votes=2, consent="room")
    hidden = speak(session, first, "Verborgen tekst.", votes=2)
    domain.moderate(session, hidden.id, {"status": "hidden"})
    text, _ = domain.get_story(session, first.id)
    assert "Alleen voor de zaal." not in text and "Verborgen tekst." not in text
    assert room.id not in {i.id for i in domain.quotable_insights(session, first)}


def test_the_draft_speaks_english_on_request(table):
    session, first = table
    speak(session, first, "Start small.", votes=1, organisation_type="municipality")
    text, _ = domain.get_story(session, first.id, "en")
    assert "## What the table recognised" in text
    assert "— a participant (municipality) · recognised 1×" in text


def test_an_empty_table_has_an_empty_draft_and_a_saved_story_wins(table):
    session, first = table
    assert domain.get_story(session, first.id)[0] == ""
    domain.write_story(session, first.id, {"text": "# Ons verhaal\n\nWat we leerden."})
    assert domain.get_story(session, first.id) == ("# Ons verhaal\n\nWat we leerden.", False)
    domain.write_story(session, first.id, {"text": "   "})  # empty: back to the draft
    assert domain.get_story(session, first.id) == ("", True)


def story_path(room, table_id=None):
    return f"/sessions/{room.code}/tables/{table_id or room.table}/story"


def test_get_answers_a_draft_until_a_story_is_saved(room):
    got = room.api.call("GET", story_path(room), room.key, 200).json()
    assert got == {"table_id": room.table, "text": got["text"], "draft": True}
    saved = room.api.call("PUT", story_path(room), room.key, 200, json={"text": "**Verhaal**"})
    assert saved.json() == {"table_id": room.table, "text": "**Verhaal**", "draft": False}
    again = room.api.call("GET", story_path(room), ORGANISER_TOKEN, 200).json()
    assert again["text"] == "**Verhaal**" and again["draft"] is False
    cleared = room.api.call("PUT", story_path(room), room.key, 200, json={"text": ""}).json()
    assert cleared["draft"] is True


def test_the_organiser_token_saves_a_story(room):
    room.api.call(
        "PUT", story_path(room), ORGANISER_TOKEN, 200, json={"text": "Van de organisator"}
    )
    assert room.api.call("GET", story_path(room), room.key, 200).json()["text"] == (
        "Van de organisator"
    )


@pytest.mark.parametrize(
    "token, body, status",
    [
        ("wrong-key", {"text": "x"}, 403),
        (None, {"text": "x"}, 401),
        ("key", {"text": "x" * 20_001}, 422),
        ("key", {"text": 12}, 422),
        ("key", {"text": "nul\u0000"}, 400),
        ("key", {}, 200),  # nothing to save: back to the draft
    ],
)
def test_bad_story_requests_are_clear(room, token, body, status):
    token = room.key if token == "key" else token
    answer = room.api.call("PUT", story_path(room), token, json=body)
    assert answer.status_code == status, answer.text
    if status >= 400:
        assert "error" in answer.json()


def test_unknown_tables_and_sessions_are_404(room, make_session):
    other = make_session()
    assert room.api.call("GET", story_path(room, other.table), room.key).status_code == 404
    assert (
        room.api.call("PUT", story_path(room, 2**40), room.key, json={"text": "x"}).status_code
        == 404
    )
    assert room.api.call("GET", "/sessions/NOPE23/tables/1/story", room.key).status_code == 404


def test_a_story_of_20000_characters_is_kept_whole(room):
    text = ("Wij leerden veel. " * 1200)[:20_000].strip()
    room.api.call("PUT", story_path(room), room.key, 200, json={"text": text})
    assert room.api.call("GET", story_path(room), room.key, 200).json()["text"] == text


def test_the_report_uses_the_saved_story(room, client, join, post):
    me = join(room, name="Noor")["token"]
    post(room, me, "Een inzicht voor het verslag.")
    room.api.call("PUT", f"/sessions/{room.code}/tables/{room.table}/summary", room.key, 200,
                  json={"text": "Samenvatting van de host."})  # fmt: skip
    story = "# Wat we leerden\n\nBewoners **eerst**.\n\n- Klein beginnen\n- Samen optrekken"
    room.api.call("PUT", story_path(room), room.key, 200, json={"text": story})
    markdown = client.get(f"/api/v1/sessions/{room.code}/export.md?key={room.key}").get_data(
        as_text=True
    )
    assert "### Het verhaal van de tafel" in markdown
    assert "#### Wat we leerden" in markdown  # the story's heading under the table's
    assert "Bewoners **eerst**." in markdown and "- Samen optrekken" in markdown
    assert "Samenvatting van de host." not in markdown.split("## ", 2)[1]
    word = docx.Document(
        io.BytesIO(client.get(f"/api/v1/sessions/{room.code}/export.docx?key={room.key}").data)
    )
    texts = [p.text for p in word.paragraphs]
    assert "Het verhaal van de tafel" in texts and "Wat we leerden" in texts
    assert "Bewoners eerst." in texts and "Klein beginnen" in texts
    bold = [r.text for p in word.paragraphs for r in p.runs if r.bold]
    assert "eerst" in bold
    # The other tables have no story: their summary section stays.
    assert markdown.count("### Samenvatting van de tafel") == len(room.tables) - 1


def test_erasing_a_session_erases_its_stories(table):
    from workshop.extensions import db
    from workshop.models import Story

    session, first = table
    domain.write_story(session, first.id, {"text": "Tijs van Gisbergen vertelde over Tilburg."})
    deleted = domain.delete_session(session)
    assert deleted["stories"] == 1
    assert db.session.query(Story).count() == 0


def test_stories_travel_in_the_json_backup(table, tmp_path):
    from tests.support.app import restored_app
    from workshop import harvest

    session, first = table
    domain.write_story(session, first.id, {"text": "## Ons verhaal\n\nBewoners **eerst**."})
    domain.publish(session, {"listed": True})
    backup = harvest.export([session], "json", {"include_hidden": "1"}).stream.read()
    with restored_app(tmp_path, backup):
        restored = domain.get_session(session.code)
        assert domain.get_story(restored, restored.tables[0].id) == (
            "## Ons verhaal\n\nBewoners **eerst**.",
            False,
        )
        assert domain.get_story(restored, restored.tables[1].id)[1] is True
        assert restored.publication_slug is None  # published again by choice, with a new slug


def test_the_console_links_each_table_to_its_story(room, client):
    room.api.call("PUT", story_path(room), room.key, 200, json={"text": "Verhaal"})
    html = client.get(f"/f/{room.code}?lang=nl", headers={"Authorization": f"Bearer {room.key}"})
    text = html.get_data(as_text=True)
    assert f'href="/f/{room.code}/stories#story-{room.table}" data-story-link>Verhaal ✓</a>' in text
    assert (
        f'href="/f/{room.code}/stories#story-{room.tables[1]}" data-story-link>Verhaal</a>' in text
    )
    assert f'href="/f/{room.code}/stories" id="stories-link">Verhalen en publiceren</a>' in text


def test_the_editor_page_shows_draft_until_saved(room, client):
    auth = {"Authorization": f"Bearer {room.key}"}
    page = client.get(f"/f/{room.code}/stories?lang=nl", headers=auth).get_data(as_text=True)
    assert page.count('data-story="draft"') == len(room.tables)
    saved = client.post(
        f"/f/{room.code}/stories/{room.table}", data={"text": "Ons verhaal", "action": "save"},
        headers=auth,
    )  # fmt: skip
    assert saved.status_code == 302
    page = client.get(f"/f/{room.code}/stories?lang=nl", headers=auth).get_data(as_text=True)
    assert page.count('data-story="draft"') == len(room.tables) - 1
    assert "Verhaal opgeslagen." in page and ">Ons verhaal</textarea>" in page
    typed = "Een te lang verhaal. " + "x" * 20_000
    too_long = client.post(
        f"/f/{room.code}/stories/{room.table}", data={"text": typed}, headers=auth
    )
    assert too_long.status_code == 422
    page = too_long.get_data(as_text=True)
    assert "banner-error" in page and f">{typed}</textarea>" in page  # the typed text is kept
    got = room.api.call("GET", story_path(room), room.key, 200).json()
    assert got["text"] == "Ons verhaal"  # and the saved story is untouched
