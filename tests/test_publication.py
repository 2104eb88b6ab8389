"""Publishing a session or an event at /p/<slug> (docs/HARVEST.md, "Publishing").

Over HTTP in process: who may publish, the slug's life (kept while published, gone after, new
when published again), the page and its JSON, what the page never shows, and its meta tags.
"""

import re
from html.parser import HTMLParser

import pytest

from tests.support import ORGANISER_TOKEN

SLUG_URL = re.compile(r"^http://aantafel\.test/p/([A-Za-z0-9_-]{22,})$")


class Meta(HTMLParser):
    """The <meta> tags of a page: name or property -> content."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            self.tags[attrs.get("name") or attrs["property"]] = attrs.get("content")


def publish(room, listed=None, token=None, expect=200):
    body = {} if listed is None else {"listed": listed}
    return room.api.call(
        "PUT", f"/sessions/{room.code}/publication", token or room.key, expect, json=body
    )


def path_of(url: str) -> str:
    return url.removeprefix("http://aantafel.test")


@pytest.fixture
def told(room, join, post):
    """The shared room with what a table said: two visible insights (one voted), one hidden."""
    noor = join(room, name="Noor Verborgen", organisation_type="municipality")["token"]
    joost = join(room, name="Joost", organisation_type="owners_association")["token"]
    first = post(room, noor, "Keukentafelgesprekken werkten beter dan folders.", kind="success",
                 perspectives=["residents"]).json()  # fmt: skip
    post(room, joost, "Wie betaalt de warmtepomp van de VvE?", kind="question")
    hidden = post(room, joost, "Dit hoort niet op de pagina.").json()
    room.api.call("POST", f"/sessions/{room.code}/insights/{first['id']}/vote", joost, 200)
    room.api.call("PATCH", f"/sessions/{room.code}/insights/{hidden['id']}", room.key, 200,
                  json={"status": "hidden"})  # fmt: skip
    return room


def test_publishing_answers_a_random_slug_and_keeps_it(api_client, room):
    first = publish(room).json()
    slug = SLUG_URL.match(first["url"]).group(1)
    assert first["listed"] is False
    again = publish(room, listed=True).json()
    assert again["url"] == first["url"] and again["listed"] is True
    assert publish(room, listed=False).json() == {**again, "listed": False}
    other = publish(make_other(api_client)).json()
    assert SLUG_URL.match(other["url"]).group(1) != slug


def make_other(api_client):
    from tests.support.factories import make_session

    return make_session(api_client)


def test_the_organiser_token_publishes_too(room):
    assert SLUG_URL.match(publish(room, token=ORGANISER_TOKEN).json()["url"])


def test_publishing_needs_the_facilitator_key(room, client):
    path = f"/sessions/{room.code}/publication"
    assert room.api.call("PUT", path, "wrong-key", json={}).status_code == 403
    assert room.api.call("PUT", path, json={}).status_code == 401
    assert room.api.call("DELETE", path, "wrong-key").status_code == 403
    assert (
        room.api.call("PUT", "/sessions/NOPE23/publication", room.key, json={}).status_code == 404
    )


@pytest.mark.parametrize("body", [{"listed": "yes"}, {"listed": 1}])
def test_listed_must_be_true_or_false(room, body):
    answer = room.api.call("PUT", f"/sessions/{room.code}/publication", room.key, 422, json=body)
    assert answer.json()["error"]["field"] == "listed"


def test_unpublishing_forgets_the_slug_and_republishing_makes_a_new_one(room, client):
    url = publish(room).json()["url"]
    assert client.get(path_of(url)).status_code == 200
    room.api.call("DELETE", f"/sessions/{room.code}/publication", room.key, 204)
    assert client.get(path_of(url)).status_code == 404
    assert client.get(path_of(url) + ".json").status_code == 404
    twice = room.api.call("DELETE", f"/sessions/{room.code}/publication", room.key, 409)
    assert twice.json()["error"]["code"] == "not_published"
    new = publish(room).json()["url"]
    assert new != url and client.get(path_of(new)).status_code == 200
    assert client.get(path_of(url)).status_code == 404


def test_the_publication_state_can_be_read(room):
    path = f"/sessions/{room.code}/publication"
    assert room.api.call("GET", path, room.key, 200).json()["url"] is None
    url = publish(room).json()["url"]
    assert room.api.call("GET", path, room.key, 200).json()["url"] == url
    assert room.api.call("GET", path, "wrong-key").status_code == 403


def test_an_unknown_slug_is_a_404_page(client):
    for path in ("/p/doesnotexistdoesnotexist1", "/p/" + "a" * 300):
        page = client.get(path + "?lang=nl")
        assert page.status_code == 404 and page.mimetype == "text/html", path
        assert "Op dit adres is niets gepubliceerd." in page.get_data(as_text=True)
    data = client.get("/p/doesnotexistdoesnotexist1.json")
    assert data.status_code == 404 and data.get_json()["error"]["code"] == "page_not_found"


def test_a_published_page_is_checked_again_before_a_cache_shows_it(room, client):
    url = publish(room).json()["url"]
    for path in (path_of(url), path_of(url) + ".json"):
        assert client.get(path).headers["Cache-Control"] == "no-cache"


def test_the_page_shows_questions_quotes_and_coverage(told, client):
    url = publish(told).json()["url"]
    page = client.get(path_of(url))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    question = told.created["tables"][0]["question"]
    assert question in html or question.replace("'", "&#39;") in html
    assert "Keukentafelgesprekken werkten beter dan folders." in html
    assert "Wie betaalt de warmtepomp van de VvE?" in html
    assert "1× herkend" in html or "1 keer herkend" in html
    assert "Bewoners doen mee" in html  # the perspective coverage
    assert "<script" not in html  # a read-only page: no script at all


def test_the_page_never_shows_hidden_or_pending_insights_nor_names(told, client, join, post):
    told.api.call("PATCH", f"/sessions/{told.code}", told.key, 200,
                  json={"settings": {"premoderation": True}})  # fmt: skip
    waiting = join(told, name="Wacht")["token"]
    post(told, waiting, "Dit wacht nog op goedkeuring.")
    url = publish(told).json()["url"]
    for path in (path_of(url), path_of(url) + ".json"):
        text = client.get(path).get_data(as_text=True)
        assert "Dit hoort niet op de pagina." not in text
        assert "Dit wacht nog op goedkeuring." not in text
        assert "Noor Verborgen" not in text and "Joost" not in text  # no name without consent
        assert "een deelnemer" in text  # quoted the default way


def test_the_json_holds_the_page_and_no_ids_or_tokens(told, client):
    url = publish(told).json()["url"]
    data = client.get(path_of(url) + ".json").get_json()
    assert data["kind"] == "session" and data["url"] == url and data["listed"] is False
    assert data["title"] == told.created.get("title", data["title"])
    table = data["tables"][0]
    assert table["question"] == told.created["tables"][0]["question"]
    texts = [q["text"] for q in table["quotes"]]
    assert texts[0] == "Keukentafelgesprekken werkten beter dan folders."  # most recognised first
    assert "Dit hoort niet op de pagina." not in texts
    assert {"text", "kind", "perspectives", "phase", "attribution", "votes", "photo"} == set(
        table["quotes"][0]
    )
    assert {c["key"]: c["insights"] for c in table["coverage"]}["residents"] == 1
    raw = client.get(path_of(url) + ".json").get_data(as_text=True)
    assert '"id"' not in raw and "token" not in raw and told.key not in raw


def test_noindex_unless_listed(room, client):
    url = publish(room).json()["url"]
    page = client.get(path_of(url))
    assert Meta(page.get_data(as_text=True)).tags.get("robots") == "noindex"
    assert page.headers["X-Robots-Tag"] == "noindex"
    publish(room, listed=True)
    page = client.get(path_of(url))
    assert "robots" not in Meta(page.get_data(as_text=True)).tags
    assert "X-Robots-Tag" not in page.headers


def test_opengraph_tags(room, client):
    url = publish(room).json()["url"]
    tags = Meta(client.get(path_of(url)).get_data(as_text=True)).tags
    assert tags["og:title"] == "Aan tafel met de wijkaanpak"
    assert tags["og:url"] == url
    description = client.get(path_of(url) + ".json").get_json()["description"]
    assert description and tags["og:description"] == description
    assert tags["og:type"] == "article"


def test_the_page_speaks_the_sessions_language_and_switches(told, client):
    path = path_of(publish(told).json()["url"])
    dutch = client.get(path).get_data(as_text=True)
    assert '<html lang="nl">' in dutch and "Wat er gezegd is" in dutch
    english = client.get(path + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "What was said" in english
    assert "a participant" in english
    data = client.get(path + ".json?lang=en").get_json()
    assert data["tables"][0]["coverage"][0]["label"] == "Residents take part"


def test_a_saved_story_is_rendered_as_safe_markdown(room, client):
    story = "**Vet** en *schuin*.\n\n<script>window.__xss=1</script>\n\n[klik](javascript:alert(1))"
    room.api.call("PUT", f"/sessions/{room.code}/tables/{room.table}/story", room.key, 200,
                  json={"text": story})  # fmt: skip
    html = client.get(path_of(publish(room).json()["url"])).get_data(as_text=True)
    assert "<strong>Vet</strong>" in html and "<em>schuin</em>" in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "javascript:" not in html.split("<main", 1)[1].replace("[klik](javascript:", "")


def test_without_a_description_og_names_the_tables(api_client, make_session, client):
    room = make_session(template=None, tables=[{"name": "Warmte", "question": "Wie betaalt?"}])
    tags = Meta(client.get(path_of(publish(room).json()["url"])).get_data(as_text=True)).tags
    assert tags["og:description"] == "Wat de tafels leerden: Warmte"


def test_an_event_page_holds_its_published_sessions(api_client, make_session, client):
    event = api_client.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up"})
    event_id = event.json()["id"]
    shown = make_session(title="Ochtendsessie", event_id=event_id)
    make_session(title="Middagsessie niet gepubliceerd", event_id=event_id)
    publish(shown)
    path = f"/events/{event_id}/publication"
    assert api_client.call("PUT", path, shown.key, json={}).status_code == 403
    assert api_client.call("PUT", path, json={}).status_code == 401
    url = api_client.call("PUT", path, ORGANISER_TOKEN, 200, json={"listed": True}).json()["url"]
    assert SLUG_URL.match(url)
    html = client.get(path_of(url)).get_data(as_text=True)
    assert "Energy-Up" in html and "Ochtendsessie" in html
    assert "Middagsessie niet gepubliceerd" not in html
    assert "noindex" not in html
    data = client.get(path_of(url) + ".json").get_json()
    assert data["kind"] == "event" and [s["title"] for s in data["sessions"]] == ["Ochtendsessie"]
    api_client.call("DELETE", path, ORGANISER_TOKEN, 204)
    assert client.get(path_of(url)).status_code == 404
    assert api_client.call("DELETE", path, ORGANISER_TOKEN, 409).json()["error"]["code"] == (
        "not_published"
    )
    assert (
        api_client.call("PUT", "/events/999999/publication", ORGANISER_TOKEN, json={}).status_code
        == 404
    )


def test_the_page_attributes_exactly_as_consented_and_leaves_room_posts_out(
    room, join, post, client
):
    speakers = {
        "name": dict(name="Tijs van Gisbergen", role="projectleider", organisation="gemeente Tilburg"),
        "organisation": dict(name="Marieke Verborgen", organisation="Woonstichting Zuid", place="Tilburg"),
        "anonymous": dict(name="Anna Verborgen", organisation_type="municipality"),
        "room": dict(name="Zaal Verborgen", organisation="Zaalbedrijf"),
    }  # fmt: skip
    posted = {}
    for consent, who in speakers.items():
        token = join(room, quote_consent=consent, **who)["token"]
        posted[consent] = post(room, token, f"Inzicht met toestemming {consent}.")
        assert posted[consent].status_code == 201
    overridden = join(room, name="Per Post Verborgen", quote_consent="name")["token"]
    kept = post(room, overridden, "Dit ene inzicht blijft in de zaal.", quote_consent="room")
    voter = join(room)["token"]
    for insight in (kept.json(), posted["name"].json(), posted["room"].json()):
        room.api.call("POST", f"/sessions/{room.code}/insights/{insight['id']}/vote", voter, 200)
    url = publish(room).json()["url"]
    quotes = {
        q["text"]: q["attribution"]
        for q in client.get(path_of(url) + ".json").get_json()["tables"][0]["quotes"]
    }
    assert quotes == {
        "Inzicht met toestemming name.": "Tijs van Gisbergen, projectleider, gemeente Tilburg",
        "Inzicht met toestemming organisation.": "Woonstichting Zuid (Tilburg)",
        "Inzicht met toestemming anonymous.": "een deelnemer (gemeente)",
    }
    html = client.get(path_of(url)).get_data(as_text=True)
    assert "Tijs van Gisbergen, projectleider, gemeente Tilburg" in html
    for hidden in ("Verborgen", "toestemming room", "Zaalbedrijf", "blijft in de zaal"):
        assert hidden not in html, hidden
    # Recognised as it is, a room insight is not quoted in the story's draft either.
    draft = room.api.call("GET", f"/sessions/{room.code}/tables/{room.table}/story", room.key)
    text = draft.json()["text"]
    assert "— Tijs van Gisbergen, projectleider, gemeente Tilburg · 1× herkend" in text
    assert "blijft in de zaal" not in text and "toestemming room" not in text


def test_the_page_shows_a_host_photo_full_size_and_without_exif(app, client, room):
    from tests.test_photos import host_token_of, jpeg_with_gps, upload

    host = host_token_of(app, room)
    posted = upload(client, room.code, host, room.table, jpeg_with_gps(), text="De flap")
    assert posted.status_code == 201, posted.get_json()
    url = publish(room).json()["url"]

    data = client.get(path_of(url) + ".json").get_json()
    quote = data["tables"][0]["quotes"][0]
    assert quote["text"] == "De flap"
    assert quote["photo"]["url"].startswith("http://aantafel.test/media/")
    assert (quote["photo"]["width"], quote["photo"]["height"]) == (640, 480)
    page = client.get(path_of(url)).text
    assert f'<img src="{quote["photo"]["url"]}"' in page
    served = client.get(path_of(quote["photo"]["url"]))
    assert served.status_code == 200 and b"Exif" not in served.data


def test_the_page_shows_the_themes_with_their_quotable_insights(told, join, post):
    shy = join(told, name="Rik")["token"]
    kept_here = post(told, shy, "Alleen voor de zaal gezegd.", quote_consent="room").json()
    listed = told.api.call("GET", f"/sessions/{told.code}/insights", told.key, 200).json()
    visible = [i for i in listed["insights"] if i["status"] == "visible"]
    theme = told.api.call(
        "POST", f"/sessions/{told.code}/themes", told.key, 201,
        json={"name": "Vertrouwen", "insight_ids": [i["id"] for i in visible]},
    ).json()  # fmt: skip
    assert kept_here["id"] in [i["id"] for i in visible]  # the room post is in the theme
    url = publish(told).json()["url"]

    data = told.api.client.get(path_of(url) + ".json").get_json()
    [shown] = data["themes"]
    assert shown["name"] == theme["name"] == "Vertrouwen" and shown["votes"] == 0
    texts = {q["text"] for q in shown["quotes"]}
    assert "Keukentafelgesprekken werkten beter dan folders." in texts
    assert "Alleen voor de zaal gezegd." not in texts  # "room": never on a page
    assert all(q["table"] for q in shown["quotes"])
    page = told.api.client.get(path_of(url)).text
    assert "Vertrouwen" in page and "Alleen voor de zaal gezegd." not in page
