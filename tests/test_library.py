"""The library of practice stories (docs/HARVEST.md, "Library"): /api/v1/library, /library and
/library.atom, over HTTP in process, on SQLite and (with TEST_DATABASE_URL) on PostgreSQL.

What it may show (quotable insights of published, listed sessions only), Dutch and English
stemming in the database's full-text search, facet counts, and hostile queries.
"""

import re
from xml.etree import ElementTree

import pytest

from tests.support import ORGANISER_TOKEN

ATOM = "{http://www.w3.org/2005/Atom}"


def publish(room, listed=True):
    return room.api.call(
        "PUT", f"/sessions/{room.code}/publication", room.key, 200, json={"listed": listed}
    ).json()


def search(client, expect=200, **args):
    response = client.get("/api/v1/library", query_string=args)
    assert response.status_code == expect, response.text
    return response.get_json()


def texts(found: dict) -> list[str]:
    return [result["text"] for result in found["results"]]


def counts(found: dict, facet: str) -> dict:
    return {item["value"]: item["count"] for item in found["facets"][facet]}


@pytest.fixture
def event_id(api_client):
    return api_client.call(
        "POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up 2026"}
    ).json()["id"]


@pytest.fixture
def shelf(make_session, join, post, event_id):
    """Three published sessions: a Dutch one (listed, in an event), an English one (listed) and
    a Dutch one that is published but not listed; each with insights of every kind of status."""
    dutch = make_session(title="Wijkaanpak Tilburg", event_id=event_id)
    tijs = join(dutch, name="Tijs van Gisbergen", organisation="gemeente Tilburg",
                role="projectleider", place="Tilburg", organisation_type="municipality",
                quote_consent="name")["token"]  # fmt: skip
    anna = join(dutch, name="Anna Geheim", place="Breda", organisation_type="owners_association",
                quote_consent="anonymous")["token"]  # fmt: skip
    room_only = join(dutch, name="Kamer", quote_consent="room")["token"]
    post(dutch, tijs, "Bewoners willen eerst weten wat het kost.", kind="lesson",
         perspectives=["residents", "affordability"], phase="phase_1")  # fmt: skip
    post(dutch, anna, "De financiering van de VvE is het lastigste stuk.", kind="frustration",
         perspectives=["affordability"])  # fmt: skip
    post(dutch, tijs, "Keukentafelgesprekken met een bewoner werken beter dan folders.",
         kind="success", perspectives=["residents"], phase="phase_1")  # fmt: skip
    post(dutch, room_only, "Alleen voor de zaal: financieren via de gemeente.", kind="tip")
    hidden = post(dutch, anna, "Verborgen: financieren en bewoners.", kind="tip").json()
    dutch.api.call("PATCH", f"/sessions/{dutch.code}/insights/{hidden['id']}", dutch.key, 200,
                   json={"status": "hidden"})  # fmt: skip
    english = make_session(title="Retrofit London", language="en")
    sam = join(english, name="Sam", organisation_type="advisor", place="London",
               quote_consent="organisation", organisation="Retrofit Ltd")["token"]  # fmt: skip
    post(english, sam, "Residents trusted the neighbour who had done it already.",
         kind="experience", perspectives=["residents"])  # fmt: skip
    post(english, sam, "Financing the heat pumps took a year.", kind="lesson")
    unlisted = make_session(title="Besloten sessie")
    lotte = join(unlisted, name="Lotte")["token"]
    post(unlisted, lotte, "Onvermelde bewoners en hun financiering.", kind="lesson")
    publish(dutch)
    publish(english)
    publish(unlisted, listed=False)
    return {"dutch": dutch, "english": english, "unlisted": unlisted}


def test_only_quotable_insights_of_published_listed_sessions(client, shelf):
    found = search(client)
    assert found["total"] == 5
    assert sorted(texts(found)) == sorted([
        "Bewoners willen eerst weten wat het kost.",
        "De financiering van de VvE is het lastigste stuk.",
        "Keukentafelgesprekken met een bewoner werken beter dan folders.",
        "Residents trusted the neighbour who had done it already.",
        "Financing the heat pumps took a year.",
    ])  # fmt: skip
    shown = str(found)
    assert "zaal" not in shown and "Verborgen" not in shown and "Onvermelde" not in shown


def test_dutch_stemming_finds_other_forms_of_the_word(client, shelf):
    assert sorted(texts(search(client, q="bewoner"))) == [
        "Bewoners willen eerst weten wat het kost.",
        "Keukentafelgesprekken met een bewoner werken beter dan folders.",
    ]
    assert texts(search(client, q="financieren")) == [
        "De financiering van de VvE is het lastigste stuk."
    ]
    assert texts(search(client, q="financiering")) == texts(search(client, q="financieren"))
    # Every word must match (stop words aside): two words narrow the results.
    assert texts(search(client, q="de bewoners kost")) == [
        "Bewoners willen eerst weten wat het kost."
    ]


def test_english_stemming_for_an_english_session(client, shelf):
    assert texts(search(client, q="resident")) == [
        "Residents trusted the neighbour who had done it already."
    ]
    assert texts(search(client, q="financed")) == ["Financing the heat pumps took a year."]


def test_results_carry_attribution_as_consented_and_link_to_the_published_page(client, shelf):
    dutch_url = publish(shelf["dutch"])["url"]
    found = search(client, q="kost")
    (result,) = found["results"]
    assert result["attribution"] == "Tijs van Gisbergen, projectleider, gemeente Tilburg, Tilburg"
    assert result["place"] == "Tilburg"
    assert result["session"] == "Wijkaanpak Tilburg" and result["event"] == "Energy-Up 2026"
    assert result["kind"] == "lesson" and result["phase"] == "phase_1"
    assert result["perspectives"] == ["residents", "affordability"]
    assert result["published_url"].startswith(dutch_url + "#table-")
    assert set(result) >= {"text", "kind", "perspectives", "phase", "attribution", "place",
                           "table", "session", "event", "published_url", "created_at"}  # fmt: skip
    anonymous = search(client, q="VvE")["results"][0]
    assert anonymous["attribution"] == "een deelnemer (vereniging van eigenaars (VvE))" or (
        anonymous["attribution"].startswith("een deelnemer")
    )
    assert "Anna" not in str(anonymous) and anonymous["place"] is None  # no place without consent
    page = client.get(result["published_url"].removeprefix("http://aantafel.test").split("#")[0])
    assert page.status_code == 200 and "Bewoners willen eerst weten" in page.text


def test_facets_count_the_results_of_the_query(client, shelf, event_id):
    everything = search(client)
    assert counts(everything, "kind") == {"lesson": 2, "frustration": 1, "success": 1,
                                          "experience": 1}  # fmt: skip
    assert counts(everything, "perspective") == {"residents": 3, "affordability": 2}
    assert counts(everything, "phase") == {"phase_1": 2}
    assert counts(everything, "place") == {"Tilburg": 2, "London": 2}  # Breda: anonymous
    assert counts(everything, "organisation_type") == {
        "municipality": 2, "owners_association": 1, "advisor": 2}  # fmt: skip
    assert counts(everything, "event") == {str(event_id): 3}
    assert everything["facets"]["event"][0]["label"] == "Energy-Up 2026"
    assert everything["facets"]["kind"][0]["label"]  # labelled
    # With a query the counts are of its results.
    bewoner = search(client, q="bewoner")
    assert counts(bewoner, "kind") == {"lesson": 1, "success": 1}
    assert counts(bewoner, "perspective") == {"residents": 2, "affordability": 1}
    # A filter narrows the results and the other facets; its own facet still shows the others.
    lessons = search(client, kind="lesson")
    assert lessons["total"] == 2
    assert counts(lessons, "kind") == counts(everything, "kind")
    assert counts(lessons, "place") == {"Tilburg": 1, "London": 1}
    both = search(client, kind="lesson", perspective="affordability")
    assert texts(both) == ["Bewoners willen eerst weten wat het kost."]
    assert counts(both, "perspective") == {"residents": 1, "affordability": 1}
    assert search(client, event=event_id, place="Tilburg")["total"] == 2
    assert search(client, organisation_type="advisor", q="year")["total"] == 1


def test_hiding_editing_and_unpublishing_change_the_results(client, shelf):
    dutch = shelf["dutch"]
    found = search(client, q="keukentafelgesprek")
    assert found["total"] == 1
    insight = next(
        i for i in dutch.api.call("GET", f"/sessions/{dutch.code}/insights", dutch.key).json()[
            "insights"] if i["text"].startswith("Keukentafel")
    )  # fmt: skip
    dutch.api.call("PATCH", f"/sessions/{dutch.code}/insights/{insight['id']}", dutch.key, 200,
                   json={"status": "hidden"})  # fmt: skip
    assert search(client, q="keukentafelgesprek")["total"] == 0
    dutch.api.call("PATCH", f"/sessions/{dutch.code}/insights/{insight['id']}", dutch.key, 200,
                   json={"status": "visible", "text": "Huisbezoeken werken beter dan folders."})  # fmt: skip
    assert search(client, q="keukentafelgesprek")["total"] == 0  # the edit replaced the words
    assert texts(search(client, q="huisbezoek")) == ["Huisbezoeken werken beter dan folders."]
    dutch.api.call("DELETE", f"/sessions/{dutch.code}/publication", dutch.key, 204)
    assert search(client, q="huisbezoek")["total"] == 0
    assert search(client)["total"] == 2  # only the English session is left
    publish(dutch, listed=False)
    assert search(client)["total"] == 2  # published, but not listed
    publish(dutch, listed=True)
    assert search(client)["total"] == 5


def test_sessions_of_a_published_listed_event_are_in_it(client, api_client, shelf, event_id):
    unlisted = shelf["unlisted"]
    api_client.call("PATCH", f"/sessions/{unlisted.code}", ORGANISER_TOKEN, 200,
                    json={"event_id": event_id})  # fmt: skip
    assert search(client, q="onvermelde")["total"] == 0
    event_page = api_client.call("PUT", f"/events/{event_id}/publication", ORGANISER_TOKEN, 200,
                                 json={"listed": True}).json()  # fmt: skip
    (result,) = search(client, q="onvermelde")["results"]
    assert result["published_url"].startswith(event_page["url"] + "#s")  # the listed page


@pytest.mark.parametrize(
    "query",
    ['"', '""', "bewoner*", "NEAR(bewoner kost)", "(bewoner", "bewoner)", "-bewoner",
     "nl:bewoner", "en : x", "bewoner AND OR NOT", "'; DROP TABLE insight; --", "\\", "^kost",
     "{nl en}: kost", "x" * 200, "🙂", "   ", "*"],
)  # fmt: skip
def test_search_syntax_is_read_as_words(client, shelf, query):
    """Operators of FTS5 or tsquery are words like any other (every word must match)."""
    found = search(client, q=query)
    assert isinstance(found["total"], int) and isinstance(found["results"], list)
    if query in ("bewoner*", "(bewoner", "bewoner)", "-bewoner"):
        assert found["total"] == 2
    if query == "^kost":
        assert texts(found) == ["Bewoners willen eerst weten wat het kost."]
    if query == "NEAR(bewoner kost)":
        assert found["total"] == 0  # "near" is a word here, and no insight says it


def test_bad_input_is_a_clear_4xx_or_an_empty_answer(client, shelf):
    too_long = client.get("/api/v1/library", query_string={"q": "bewoner " * 1250})
    assert too_long.status_code == 422
    assert too_long.get_json()["error"]["code"] == "query_too_long"
    for page in ("0", "-1", "abc", "1.5", "501", "9" * 40, "١", "000001" + "0" * 30, "1e3"):
        response = client.get("/api/v1/library", query_string={"page": page})
        assert response.status_code == 422, page
        assert response.get_json()["error"]["field"] == "page"
    assert search(client, page="2")["results"] == []  # past the last page: empty, not an error
    assert search(client, page="2")["total"] == 5
    for facet in ("kind", "perspective", "phase", "organisation_type", "place"):
        assert search(client, **{facet: "no-such-value"})["total"] == 0
    assert search(client, event="999999")["total"] == 0
    assert search(client, expect=422, event="drie")["error"]["field"] == "event"
    assert search(client, expect=422, kind="x" * 500)["error"]["field"] == "kind"


def test_pages_of_twenty(client, make_session, join, post):
    room = make_session(title="Veel")
    token = join(room, name="Veel")["token"]
    for n in range(23):
        post(room, token, f"Inzicht nummer {n}")
    publish(room)
    first = search(client)
    assert first["total"] == 23 and len(first["results"]) == 20 and first["pages"] == 2
    second = search(client, page=2)
    assert len(second["results"]) == 3
    assert second["results"][-1]["text"] == "Inzicht nummer 0"  # newest first


def test_the_page_works_without_script_in_both_languages(client, shelf):
    page = client.get("/library?q=bewoners&kind=lesson")
    assert page.status_code == 200
    assert 'lang="nl"' in page.text and "Bibliotheek van praktijkverhalen" in page.text
    assert "Bewoners willen eerst weten wat het kost." in page.text
    assert "Keukentafelgesprekken" not in page.text  # a success, not a lesson
    assert '<option value="lesson" selected>' in page.text
    switch = re.search(r'<a href="([^"]+)" hreflang="en"', page.text).group(1)
    assert (
        "q=bewoners" in switch and "kind=lesson" in switch and "lang=en" in switch
    )  # the search stays
    english = client.get("/library?lang=en")
    assert "Library of practice stories" in english.text and "5 insights" in english.text
    assert "<script" not in english.text
    bad = client.get("/library?page=-4&lang=nl")
    assert bad.status_code == 422 and "De pagina" in bad.text


def test_the_page_escapes_what_participants_typed(client, make_session, join, post):
    room = make_session(title="<script>alert(1)</script>")
    token = join(room, name="<img src=x onerror=alert(2)>", quote_consent="name")["token"]
    post(room, token, "<b>vet</b> & \x0bstuurteken")
    publish(room)
    page = client.get("/library")
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    assert "&lt;b&gt;vet&lt;/b&gt;" in page.text
    feed = client.get("/library.atom")
    assert feed.status_code == 200
    ElementTree.fromstring(feed.data)  # well-formed


def test_the_atom_feed_lists_the_newest(client, shelf):
    feed = client.get("/library.atom?q=bewoner")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(feed.data)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Keukentafelgesprekken met een bewoner werken beter dan folders.",
        "Bewoners willen eerst weten wat het kost.",
    ]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.startswith(publish(shelf["dutch"])["url"])
    assert client.get("/library.atom?page=x").status_code == 422


def test_a_withdrawn_insight_is_not_found(app, client, shelf):
    """The own-posts work stores a withdrawn insight with status "withdrawn"; the library asks
    `Insight.quotable`, which only lets "visible" through."""
    from sqlalchemy import update

    from workshop.extensions import db
    from workshop.models import Insight

    assert search(client, q="kost")["total"] == 1
    with app.app_context():
        db.session.execute(
            update(Insight).where(Insight.text.like("Bewoners willen%")).values(status="withdrawn")
        )
        db.session.commit()
    assert search(client, q="kost")["total"] == 0
    assert "Bewoners willen" not in client.get("/library").text


def test_erasing_a_session_erases_its_words_from_the_index(app, client, shelf):
    from sqlalchemy import text

    from workshop import domain
    from workshop.extensions import db

    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"  # the stemmed copy exists on SQLite only
        count = "SELECT count(*) FROM insight_fts"
        indexed = db.session.execute(text(count)).scalar() if sqlite else 0
        domain.delete_session(domain.get_session(shelf["dutch"].code))
        if sqlite:
            assert db.session.execute(text(count)).scalar() == indexed - 5
            stems = db.session.execute(text("SELECT nl FROM insight_fts")).scalars().all()
            assert not any("keukentafel" in s for s in stems)
    assert search(client, q="bewoner")["total"] == 0
    assert search(client)["total"] == 2


def test_answers_match_the_openapi_document(api_client, shelf):
    from tests.test_openapi import conforms

    found = conforms(api_client.call("GET", "/library?q=bewoner", expect=200), "/library", "get")
    assert found["total"] == 2
    error = conforms(api_client.call("GET", "/library?page=0", expect=422), "/library", "get")
    assert error["error"]["field"] == "page"


def test_the_migration_indexes_what_was_stored_before_it(tmp_path):
    """0009 on a database with insights: they are found afterwards; down and up again works."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from tests.support.app import dispose, make_app
    from workshop.extensions import db

    app = make_app(tmp_path, migrate=False)
    try:
        with app.app_context():
            upgrade(revision="0007_publication")
            for statement in (
                "INSERT INTO session (id, code, title, description, language, state, "
                "facilitator_key_hash, settings, seq, round_number, round_title, created_at, "
                "publication_slug, publication_listed, published_at) VALUES (1, 'MIGR01', "
                "'Oud', '', 'nl', 'closed', 'x', '{}', 0, 0, '', '2026-01-01 10:00:00', "
                "'oude-slug-voor-de-migratietest', true, '2026-01-02 10:00:00')",
                'INSERT INTO "table" (id, session_id, name, question, host, colour, position) '
                "VALUES (1, 1, 'Tafel', '', '', 0, 0)",
                "INSERT INTO insight (id, session_id, table_id, client_id, text, perspectives, "
                "anonymous, status, withheld, pinned, votes, round, seq, created_at, updated_at) "
                "VALUES (1, 1, 1, 'c1', 'Bewoners wilden eerst de financiering zien.', '[]', "
                "false, 'visible', false, false, 0, 1, 1, '2026-01-01 10:00:00', "
                "'2026-01-01 10:00:00')",
            ):
                db.session.execute(text(statement))
            db.session.commit()
            upgrade()
        client = app.test_client()
        assert texts(search(client, q="financieren")) == [
            "Bewoners wilden eerst de financiering zien."
        ]
        with app.app_context():
            downgrade(revision="0007_publication")
            upgrade()
        assert search(client, q="bewoner")["total"] == 1
    finally:
        dispose(app)


def test_characters_a_database_cannot_hold_are_not_an_error(client, shelf):
    """PostgreSQL refuses NUL in text: a NUL in the search or a filter is dropped, not a 500."""
    assert search(client, q="bewoner\x00")["total"] == 2
    assert search(client, q="\x00")["total"] == 5
    assert search(client, place="Tilburg\x00")["total"] == 2
    assert client.get("/library?q=%00bewoner").status_code == 200
    assert client.get("/library.atom?kind=%00").status_code == 200
