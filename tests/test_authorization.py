"""The authorization matrix of docs/SECURITY.md, checked for every route, socket event and role.

Table-driven: ROUTES lists every HTTP route with a request for it and who may call it; the test
sends that request as each role and checks the documented status. `test_every_route_is_covered`
fails when a route is added without a row here (and in docs/SECURITY.md), so the matrix cannot
silently fall behind the code. To add a route: add a Route(...) line; the columns are the rules
below (public, participant_only, facilitator_only, organiser_only).
"""

import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import ORGANISER_TOKEN, Api, make_app, snapshot
from tests.support.factories import make_session

ROOT = Path(__file__).resolve().parent.parent

# Roles as seen over HTTP. "other_*" hold a valid credential of ANOTHER session: the wrong token.
# The wall has no credential: over HTTP it is the anonymous visitor (the wall page is public).
ROLES = (
    "anonymous",
    "participant",
    "other_participant",
    "table_host",
    "facilitator",
    "other_facilitator",
    "organiser",
)


@dataclass
class World:
    """Two open sessions with their credentials, tables and insights, made through the API."""

    client: object
    code: str = ""
    key: str = ""
    table_id: int = 0
    other_table_id: int = 0
    participant: str = ""
    author: str = ""
    insight_id: int = 0
    pending_id: int = 0
    event_id: int = 0
    other_code: str = ""
    other_key: str = ""
    other_participant: str = ""
    table_host: str | None = None
    credentials: dict = field(default_factory=dict)

    @property
    def http(self) -> Api:
        return Api(self.client)

    def call(self, method, path, token=None, **kwargs):
        """Any route (screens too) as the Flask response."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def api(self, method, path, token=None, expect=None, **kwargs):
        return self.http.call(method, path, token, expect, **kwargs).json()

    def new_table(self) -> int:
        return self.api(
            "POST", f"/sessions/{self.code}/tables", self.key, 201, json={"name": "Extra"}
        )["id"]

    def photo_url(self) -> str:
        """A visible insight's photo, posted with this table's host link."""
        data = {"client_id": str(uuid.uuid4()), "table_id": str(self.table_id), "text": "Flap"}
        data["photo"] = (io.BytesIO(tiny_png()), "flap.png")
        response = self.call(
            "POST", f"/api/v1/sessions/{self.code}/insights", self.table_host, data=data
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()["photo"]["url"]

    def new_theme(self) -> int:
        return self.api(
            "POST", f"/sessions/{self.code}/themes", self.key, 201, json={"name": "Vertrouwen"}
        )["id"]

    def new_insight(self, token=None, text="Eerst luisteren") -> int:
        posted = self.http.post(self.code, token or self.author, self.table_id, text=text)
        assert posted.status_code == 201, posted.text
        return posted.json()["id"]


def tiny_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def build_world(client) -> dict:
    w, http = World(client), Api(client)
    first, other = http.create_session(title="Aan tafel"), http.create_session(title="Elders")
    w.code, w.key = first["code"], first["facilitator_key"]
    w.table_id, w.other_table_id = (table["id"] for table in first["tables"][:2])
    w.participant = http.join(w.code, w.table_id, name="Joost")["token"]
    w.author = http.join(w.code, w.table_id, name="Anna")["token"]
    w.insight_id = w.new_insight()
    w.event_id = w.api("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up"})["id"]
    w.other_code, w.other_key = other["code"], other["facilitator_key"]
    w.other_participant = http.join(w.other_code, other["tables"][0]["id"], name="Piet")["token"]
    # The first table's host token, read from the host link the console hands out (the console
    # is opened with the key as a Bearer header, so no console cookie is left behind).
    w.table_host = host_link_token(w, w.table_id)
    w.credentials = {
        "anonymous": None,
        "participant": w.participant,
        "other_participant": w.other_participant,
        "table_host": w.table_host,
        "facilitator": w.key,
        "other_facilitator": w.other_key,
        "organiser": ORGANISER_TOKEN,
    }
    return {name: value for name, value in vars(w).items() if name != "client"}


@pytest.fixture
def world(app, client):
    """The World, made once per test run and copied into each test's database (`snapshot`)."""
    return World(client, **snapshot(app, "authorization-world", lambda: build_world(client)))


# --- who may: the columns of the matrix -----------------------------------------------------------


def public(ok=200) -> dict:
    return dict.fromkeys(ROLES, ok)


def participant_only(ok=200) -> dict:
    """A participant of this session; any other credential is an unknown participant token: 401."""
    return {**dict.fromkeys(ROLES, 401), "participant": ok}


def facilitator_only(ok=200, *, host=403) -> dict:
    """This session's facilitator key or the organiser token: no credential 401, another one 403."""
    return {
        **dict.fromkeys(ROLES, 403),
        "anonymous": 401,
        "table_host": host,
        "facilitator": ok,
        "organiser": ok,
    }


def organiser_only(ok=200) -> dict:
    return {**dict.fromkeys(ROLES, 403), "anonymous": 401, "organiser": ok}


def host_only(ok=200) -> dict:
    """The host page: the token in the path is the credential; anything but this table's host
    token (no token at all included) is a wrong host link: 403."""
    return {**dict.fromkeys(ROLES, 403), "table_host": ok}


@dataclass
class Route:
    endpoint: str  # Flask endpoint name: ties the row to the url_map
    method: str
    path: object  # str with {code}, {table}, ... or a function of the World
    allowed: dict
    body: object = None  # JSON body, or a function of the World
    form: object = None  # form fields (dict, or a function of the World): a screen's POST
    query: object = None  # query string (dict, or a function of the World)
    token_in_path: bool = False  # the credential is the {token} part of the path (host links)
    fresh_insight: bool = False  # {insight} is a new one per request (merging uses it up)

    def url(self, w: World, token=None) -> str:
        if callable(self.path):
            return self.path(w)
        fields = {"code": w.code, "table": w.table_id, "insight": w.insight_id, "event": w.event_id}
        if self.fresh_insight:
            fields["insight"] = w.new_insight(text="Nog een keer luisteren")
        if "{token}" in self.path:
            fields["token"] = token or "geen-token"
        return self.path.format(**fields)

    def send(self, w: World, token):
        kwargs = {}
        if self.form is not None:
            kwargs["data"] = self.form(w) if callable(self.form) else self.form
        elif self.method not in ("GET", "DELETE"):
            kwargs["json"] = self.body(w) if callable(self.body) else (self.body or {})
        if self.query is not None:
            kwargs["query_string"] = self.query(w) if callable(self.query) else self.query
        if self.token_in_path:
            return w.call(self.method, self.url(w, token), None, **kwargs)
        return w.call(self.method, self.url(w), token, **kwargs)


TAG_SET = {"name": "buurt", "kinds": [{"key": "idee", "nl": "Idee", "en": "Idea"}]}


def post_body(w: World) -> dict:
    return {"client_id": str(uuid.uuid4()), "table_id": w.table_id, "text": "Bewoners eerst"}


def own_insight_path(path: str):
    """The path with a fresh insight of the role "participant": its own post, to edit or withdraw."""
    return lambda w: path.format(code=w.code, insight=w.new_insight(w.participant))


def published(w: World, path: str, event: bool = False) -> str:
    """`path` of a session (or the event) that is published first, whoever asks after."""
    target = f"/events/{w.event_id}" if event else f"/sessions/{w.code}"
    url = w.api("PUT", target + "/publication", ORGANISER_TOKEN, 200, json={})["url"]
    return path.format(code=w.code, event=w.event_id, slug=url.rsplit("/", 1)[1])


S = "/api/v1/sessions/{code}"
ROUTES = [
    # HTTP API
    Route("api.openapi", "GET", "/api/v1/openapi.json", public()),
    Route(
        "api.create_session",
        "POST",
        "/api/v1/sessions",
        organiser_only(201),
        {"title": "Nieuw", "language": "nl"},
    ),
    Route("api.get_session", "GET", S, public()),
    Route("api.update_session", "PATCH", S, facilitator_only(), {"title": "Andere titel"}),
    # Putting a session in (or out of) an event decides what the event's export holds: organiser.
    Route("api.update_session", "PATCH", S, organiser_only(), {"event_id": None}),
    Route("api.rotate_key", "POST", S + "/facilitator-key", facilitator_only()),
    Route("api.join", "POST", S + "/participants", public(201), {"name": "Nieuw"}),
    Route("api.update_me", "PATCH", S + "/participants/me", participant_only(), {"name": "J."}),
    Route("api.post_insight", "POST", S + "/insights", participant_only(201), post_body),
    Route("api.list_insights", "GET", S + "/insights", public()),
    # One URL, two credentials: the facilitator moderates; the author edits its own text only
    # ("participant" posts a fresh insight of its own for these rows; another's is 403).
    Route(
        "api.change_insight",
        "PATCH",
        S + "/insights/{insight}",
        facilitator_only(),
        {"pinned": True},
    ),
    Route(
        "api.change_insight",
        "PATCH",
        own_insight_path(S + "/insights/{insight}"),
        {**facilitator_only(), "participant": 200},
        {"text": "Anders gezegd"},
    ),
    Route(
        "api.withdraw_insight",
        "DELETE",
        own_insight_path(S + "/insights/{insight}"),
        participant_only(),
    ),
    Route("api.withdraw_everything", "DELETE", S + "/participants/me", participant_only()),
    Route("api.vote", "POST", S + "/insights/{insight}/vote", participant_only()),
    Route("api.add_table", "POST", S + "/tables", facilitator_only(201), {"name": "Nieuw"}),
    Route(
        "api.update_table",
        "PATCH",
        S + "/tables/{table}",
        facilitator_only(),
        {"question": "Wie betaalt?"},
    ),
    Route(
        "api.delete_table",
        "DELETE",
        lambda w: f"/api/v1/sessions/{w.code}/tables/{w.new_table()}",
        facilitator_only(204),
    ),
    Route(
        "api.write_summary",
        "PUT",
        S + "/tables/{table}/summary",
        facilitator_only(host=200),
        {"text": "Vertrouwen komt te voet."},
    ),
    Route("api.start_round", "POST", S + "/rounds", facilitator_only(201), {"minutes": 5}),
    Route(
        "api.update_round",
        "PATCH",
        S + "/rounds/current",
        facilitator_only(),
        {"minutes_added": 2},
    ),
    Route(
        "api.merge",
        "POST",
        S + "/insights/{insight}/merge",
        facilitator_only(),
        lambda w: {"into": w.insight_id},
        fresh_insight=True,
    ),
    Route("api.spotlight", "PUT", S + "/spotlight", facilitator_only(), {"insight_id": None}),
    Route("api.session_stats", "GET", S + "/stats", public()),
    Route("api.list_themes", "GET", S + "/themes", public()),
    Route("api.create_theme", "POST", S + "/themes", facilitator_only(201), {"name": "Kosten"}),
    Route(
        "api.update_theme",
        "PATCH",
        lambda w: f"/api/v1/sessions/{w.code}/themes/{w.new_theme()}",
        facilitator_only(),
        {"name": "Vertrouwen komt te voet"},
    ),
    Route(
        "api.delete_theme",
        "DELETE",
        lambda w: f"/api/v1/sessions/{w.code}/themes/{w.new_theme()}",
        facilitator_only(204),
    ),
    Route("api.theme_suggestions", "GET", S + "/themes/suggestions", facilitator_only()),
    Route("api.get_tag_sets", "GET", S + "/tag-sets", public()),
    Route("api.put_tag_sets", "PUT", S + "/tag-sets", facilitator_only(), TAG_SET),
    Route("api.reset_tag_sets", "DELETE", S + "/tag-sets", facilitator_only()),
    Route("api.export_session", "GET", S + "/export.csv", facilitator_only()),
    Route("api.get_story", "GET", S + "/tables/{table}/story", facilitator_only()),
    Route(
        "api.write_story", "PUT", S + "/tables/{table}/story", facilitator_only(), {"text": "*V*"}
    ),
    Route("api.get_session_publication", "GET", S + "/publication", facilitator_only()),
    Route("api.publish_session", "PUT", S + "/publication", facilitator_only(), {"listed": False}),
    Route(
        "api.unpublish_session",
        "DELETE",
        lambda w: published(w, "/api/v1/sessions/{code}/publication"),
        facilitator_only(204),
    ),
    Route(
        "api.get_event_publication", "GET", "/api/v1/events/{event}/publication", organiser_only()
    ),
    Route("api.publish_event", "PUT", "/api/v1/events/{event}/publication", organiser_only(), {}),
    Route(
        "api.unpublish_event",
        "DELETE",
        lambda w: published(w, "/api/v1/events/{event}/publication", event=True),
        organiser_only(204),
    ),
    Route("published.page", "GET", lambda w: published(w, "/p/{slug}"), public()),
    Route("published.page_json", "GET", lambda w: published(w, "/p/{slug}.json"), public()),
    Route("library.page", "GET", "/library", public()),
    Route("library.feed", "GET", "/library.atom", public()),
    Route("library.search_json", "GET", "/api/v1/library", public(), query={"q": "bewoners"}),
    Route("stories.edit", "GET", "/f/{code}/stories", facilitator_only()),
    Route(
        "stories.save",
        "POST",
        "/f/{code}/stories/{table}",
        facilitator_only(302),
        form={"text": "V"},
    ),
    Route(
        "stories.publish",
        "POST",
        "/f/{code}/publication",
        facilitator_only(302),
        form={"action": "publish"},
    ),
    Route(
        "stories.publish_event",
        "POST",
        "/o/events/{event}/publication",
        organiser_only(302),
        form={"action": "publish"},
    ),
    Route("api.create_event", "POST", "/api/v1/events", organiser_only(201), {"name": "Dag 2"}),
    Route("api.list_events", "GET", "/api/v1/events", organiser_only()),
    Route("api.export_event", "GET", "/api/v1/events/{event}/export.csv", organiser_only()),
    # Screens (forms post with the CSRF token; see test_csrf in this file)
    Route("participant.home", "GET", "/", public()),
    Route("participant.phone", "GET", "/j/{code}", public()),
    Route("participant.phone", "GET", "/j/{code}/{table}", public()),
    Route("participant.join", "POST", "/j/{code}/join", public(302), form={"name": "Kees"}),
    Route(
        "participant.choose_table",
        "POST",
        "/j/{code}/table",
        participant_only(302),
        form={"table_id": ""},
    ),
    Route(
        "participant.post",
        "POST",
        "/j/{code}/post",
        participant_only(302),
        form=lambda w: {"client_id": str(uuid.uuid4()), "text": "Zonder JavaScript"},
    ),
    Route("participant.vote", "POST", "/j/{code}/vote/{insight}", participant_only(302), form={}),
    Route(
        "participant.profile",
        "POST",
        "/j/{code}/profile",
        participant_only(302),
        form={"quote_consent": "organisation"},
    ),
    Route(
        "participant.edit",
        "POST",
        own_insight_path("/j/{code}/edit/{insight}"),
        participant_only(302),
        form={"text": "Zonder JavaScript aangepast"},
    ),
    Route(
        "participant.withdraw",
        "POST",
        own_insight_path("/j/{code}/withdraw/{insight}"),
        participant_only(302),
        form={},
    ),
    Route(
        "participant.withdraw_all", "POST", "/j/{code}/withdraw-all", participant_only(302), form={}
    ),
    Route(
        "participant.vote_theme",
        "POST",
        lambda w: f"/j/{w.code}/themes/{w.new_theme()}/vote",
        participant_only(302),
        form={},
    ),
    Route("wall.show", "GET", "/w/{code}", public()),
    Route("wall.session_qr", "GET", "/qr/{code}.svg", public()),
    Route("wall.table_qr", "GET", "/qr/{code}/{table}.png", public()),
    Route("facilitator.console", "GET", "/f/{code}", facilitator_only()),
    Route("facilitator.print_cards", "GET", "/f/{code}/cards", facilitator_only()),
    Route("facilitator.cards_pdf", "GET", "/f/{code}/cards.pdf", facilitator_only()),
    Route("facilitator.host", "GET", "/h/{code}/{table}/{token}", host_only(), token_in_path=True),
    Route(
        "facilitator.host",
        "POST",
        "/h/{code}/{table}/{token}",
        host_only(302),
        form={"host": "Ingrid", "text": "Samen inkopen werkt."},
        token_in_path=True,
    ),
    Route(
        "facilitator.host_photo",
        "POST",
        "/h/{code}/{table}/{token}/photo",
        host_only(302),
        form=lambda w: {"client_id": str(uuid.uuid4()), "photo": (io.BytesIO(tiny_png()), "a.png")},
        token_in_path=True,
    ),
    Route("media.photo", "GET", lambda w: w.photo_url(), public()),
    Route("organiser.index", "GET", "/o/", public()),
    # Like /o/: the sign-in form for anyone, the dashboard for a signed-in organiser (cookie).
    Route("organiser.live_event", "GET", "/o/events/{event}/live", public()),
    Route("organiser.login", "POST", "/o/login", public(302), form={"token": "x"}),
    Route("organiser.logout", "POST", "/o/logout", public(302), form={}),
    Route(
        "organiser.create_session",
        "POST",
        "/o/sessions",
        organiser_only(302),
        form={"title": "Via het formulier", "language": "nl"},
    ),
    Route(
        "organiser.create_event", "POST", "/o/events", organiser_only(302), form={"name": "Dag 3"}
    ),
    Route(
        "organiser.assign_event",
        "POST",
        "/o/sessions/{code}/event",
        organiser_only(302),
        form=lambda w: {"event_id": str(w.event_id)},
    ),
    Route(
        "organiser.download",
        "GET",
        "/o/download",
        organiser_only(302),
        query=lambda w: {"format": "csv", "session": w.code},
    ),
]
NOT_ROUTES = {"static"}  # Flask's static files: public by nature


def route_id(route: Route) -> str:
    return f"{route.method} {route.path if isinstance(route.path, str) else route.endpoint}"


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_route_allows_exactly_the_documented_roles(world, route):
    """Every role in turn; refused roles first, so an allowed change cannot mask a refusal."""
    order = sorted(ROLES, key=lambda role: route.allowed[role] < 400)
    for role in order:
        token = world.credentials[role]
        if role == "table_host" and token is None:
            continue  # no host links yet: the row is documented, checked once they exist
        response = route.send(world, token)
        expected = route.allowed[role]
        assert response.status_code == expected, (
            f"{route_id(route)} as {role}: {response.status_code}, expected {expected}: "
            f"{response.get_data(as_text=True)[:300]}"
        )
        if expected in (401, 403) and route.endpoint.startswith("api."):
            assert response.get_json()["error"]["code"], "an API refusal names its error code"


def test_every_route_is_covered(app):
    """A new route needs a row in ROUTES and in docs/SECURITY.md: nothing is left unchecked."""
    covered = {(r.endpoint, r.method) for r in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_ROUTES:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, (
        "Routes without an authorization row: add them to ROUTES in tests/test_authorization.py "
        f"and to docs/SECURITY.md: {missing}"
    )


def test_docs_list_every_route():
    doc = (ROOT / "docs" / "SECURITY.md").read_text()
    for route in ROUTES:
        if isinstance(route.path, str):
            shown = route.path.replace("/api/v1/sessions/{code}", "…/{code}")
            assert f"`{route.method} {shown}`" in doc or f"`{route.method} {route.path}`" in doc, (
                f"docs/SECURITY.md does not list {route.method} {route.path}"
            )


# --- what each role may SEE -----------------------------------------------------------------------


def test_pending_and_hidden_insights_are_for_the_facilitator_only(world):
    w = world
    w.api("PATCH", f"/sessions/{w.code}", w.key, 200, json={"settings": {"premoderation": True}})
    pending = w.new_insight(text="Nog niet goedgekeurd")
    w.api(
        "PATCH",
        f"/sessions/{w.code}/insights/{w.insight_id}",
        w.key,
        200,
        json={"status": "hidden"},
    )
    for role in ROLES:
        token = w.credentials[role]
        if role == "table_host" and token is None:
            continue
        listed = w.api("GET", f"/sessions/{w.code}/insights", token, 200)["insights"]
        ids = {i["id"] for i in listed}
        sees_all = role in ("facilitator", "organiser")
        assert (pending in ids) is sees_all, role
        assert (w.insight_id in ids) is sees_all, role
        if sees_all:
            assert all(i.get("author") is not None or i["id"] != pending for i in listed)


def test_participant_cannot_moderate_with_its_cookie(world):
    """The phone's cookie is a participant's, never a facilitator's: moderation stays 401/403."""
    w = world
    w.client.set_cookie(f"p_{w.code}", w.participant)
    response = w.call(
        "PATCH",
        f"/api/v1/sessions/{w.code}/insights/{w.insight_id}",
        json={"status": "hidden"},
    )
    assert response.status_code == 403  # its author's edit takes text only
    assert response.get_json()["error"]["code"] == "facilitator_only"
    assert w.call("GET", f"/f/{w.code}").status_code == 401


def test_participant_cookie_authorizes_the_phone_forms(world):
    w = world
    w.client.set_cookie(f"p_{w.code}", w.participant)
    response = w.call("POST", f"/j/{w.code}/vote/{w.insight_id}", data={})
    assert response.status_code == 302
    assert w.api("GET", f"/sessions/{w.code}/insights", expect=200)["insights"][0]["votes"] == 1


def test_organiser_cookie_signs_in_to_the_organiser_page(world):
    w = world
    assert b'name="token"' in w.call("GET", "/o/").data  # the sign-in form
    assert w.call("POST", "/o/login", data={"token": ORGANISER_TOKEN}).status_code == 302
    page = w.call("GET", "/o/").get_data(as_text=True)
    assert w.code in page
    assert w.call("POST", "/o/sessions", data={"title": "Met cookie"}).status_code == 302
    assert w.call("POST", "/o/events", data={"name": "Dag 3"}).status_code == 302
    event = {"event_id": str(w.event_id)}
    assert w.call("POST", f"/o/sessions/{w.code}/event", data=event).status_code == 302
    download = w.call("GET", "/o/download", query_string={"format": "csv", "event": w.event_id})
    assert download.status_code == 302
    assert w.call("GET", download.headers["Location"]).status_code == 200  # the export itself
    w.call("POST", "/o/logout", data={})
    assert w.call("GET", "/o/download", query_string={"format": "csv"}).status_code == 401
    assert w.call("POST", "/o/sessions", data={"title": "Uitgelogd"}).status_code == 401


def test_a_facilitator_key_does_not_open_another_session(world):
    w = world
    assert w.call("GET", f"/f/{w.other_code}", w.key).status_code == 403
    assert w.call("GET", f"/f/{w.other_code}?key={w.key}").status_code == 403
    assert w.call("GET", f"/f/{w.code}?key={w.key}").status_code == 302


def host_link_token(w: World, table_id: int) -> str:
    html = w.call("GET", f"/f/{w.code}", w.key).get_data(as_text=True)
    marker = f"/h/{w.code}/{table_id}/"
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_a_host_link_opens_its_own_table_only(world):
    """Bearer or ?host=, page or API: one table of one session, until the key changes."""
    w = world
    token = w.table_host
    summary = "/api/v1/sessions/{code}/tables/{table}/summary"
    own = summary.format(code=w.code, table=w.table_id)
    other = summary.format(code=w.code, table=w.other_table_id)
    body = {"text": "Vertrouwen komt te voet."}
    assert w.call("PUT", own, query_string={"host": token}, json=body).status_code == 200
    assert w.call("PUT", other, token, json=body).status_code == 403
    assert w.call("PUT", other, query_string={"host": token}, json=body).status_code == 403
    assert w.call("GET", f"/h/{w.code}/{w.other_table_id}/{token}").status_code == 403
    other_tables = w.api("GET", f"/sessions/{w.other_code}")["tables"]
    assert w.call("GET", f"/h/{w.other_code}/{other_tables[0]['id']}/{token}").status_code == 403
    # A host token is no facilitator key, not even for its own table.
    table = f"/api/v1/sessions/{w.code}/tables/{w.table_id}"
    assert w.call("PATCH", table, token, json={"name": "Gekaapt"}).status_code == 403
    assert w.call("GET", f"/f/{w.code}?key={token}").status_code == 403
    w.api("POST", f"/sessions/{w.code}/facilitator-key", w.key, 200)
    assert w.call("GET", f"/h/{w.code}/{w.table_id}/{token}").status_code == 403
    assert w.call("PUT", own, token, json=body).status_code == 403


def test_a_host_link_dies_with_its_table(world):
    """A deleted table's host link must not open the table that gets its id next (SQLite reuses
    the id of the last row)."""
    w = world
    table = w.new_table()
    token = host_link_token(w, table)
    assert w.call("GET", f"/h/{w.code}/{table}/{token}").status_code == 200
    w.api("DELETE", f"/sessions/{w.code}/tables/{table}", w.key, 204)
    successor = w.new_table()
    assert w.call("GET", f"/h/{w.code}/{successor}/{token}").status_code == 403
    put = w.call(
        "PUT",
        f"/api/v1/sessions/{w.code}/tables/{successor}/summary",
        token,
        json={"text": "Overgenomen"},
    )
    assert put.status_code == 403
    fresh = host_link_token(w, successor)
    assert w.call("GET", f"/h/{w.code}/{successor}/{fresh}").status_code == 200


# --- Socket.IO ------------------------------------------------------------------------------------

SOCKET_CONNECT = [
    # (case, the role asked for, whose credential (a ROLES name) or none, connects?)
    ("wall", "wall", None, True),
    ("anonymous, no auth", None, None, False),
    ("unknown session", "wall", None, False),
    ("bad role", "admin", "facilitator", False),
    ("participant", "participant", "participant", True),
    ("participant of another session", "participant", "other_participant", False),
    ("participant without token", "participant", None, False),
    ("facilitator", "facilitator", "facilitator", True),
    ("organiser", "facilitator", "organiser", True),
    ("facilitator with a participant token", "facilitator", "participant", False),
    ("facilitator of another session", "facilitator", "other_facilitator", False),
    ("facilitator without key", "facilitator", None, False),
]


def socket_auth(w: World, role: str | None, credential: str | None, code=None) -> dict | None:
    """The Socket.IO auth of `role` with the credential of `credential` in the world."""
    if role is None:
        return None
    auth = {"session": code or w.code, "role": role}
    if credential == "organiser":
        auth["token"] = ORGANISER_TOKEN
    elif credential:  # read from the world now: a test may rotate the key
        auth["token"] = getattr(
            w, {"facilitator": "key", "other_facilitator": "other_key"}.get(credential, credential)
        )
    return auth


def socket_client(app, w, auth):
    from workshop.extensions import socketio

    return socketio.test_client(app, auth=auth, flask_test_client=w.client)


@pytest.mark.parametrize("case", SOCKET_CONNECT, ids=[c[0] for c in SOCKET_CONNECT])
def test_socket_connect_matrix(app, world, case):
    name, role, credential, connects = case
    code = "ZZZZZZ" if name == "unknown session" else None
    client = socket_client(app, world, socket_auth(world, role, credential, code))
    assert client.is_connected() is connects
    if connects:
        client.disconnect()


# Client-to-server events: which connected roles may send them (others get an error ack).
SOCKET_EVENTS = {
    "insight:post": {"wall": False, "participant": True, "facilitator": False, "organiser": False},
    "insight:vote": {"wall": False, "participant": True, "facilitator": False, "organiser": False},
    "insight:edit": {"wall": False, "participant": True, "facilitator": False, "organiser": False},
    "insight:withdraw": {
        "wall": False,
        "participant": True,
        "facilitator": False,
        "organiser": False,
    },
    "resync": {"wall": True, "participant": True, "facilitator": True, "organiser": True},
    "theme:vote": {"wall": False, "participant": True, "facilitator": False, "organiser": False},
}
CONNECTED = {  # role: (the role asked for, whose credential)
    "wall": ("wall", None),
    "participant": ("participant", "participant"),
    "facilitator": ("facilitator", "facilitator"),
    "organiser": ("facilitator", "organiser"),
}


def event_data(event: str, w: World) -> dict:
    if event == "insight:post":
        return post_body(w)
    if event == "insight:vote":
        return {"insight_id": w.insight_id}
    if event == "insight:edit":
        return {"insight_id": w.new_insight(w.participant), "text": "Anders gezegd"}
    if event == "insight:withdraw":
        return {"insight_id": w.new_insight(w.participant)}
    if event == "theme:vote":
        return {"theme_id": w.new_theme()}
    return {"since": 0}


def test_every_client_event_is_in_the_matrix():
    from workshop.realtime import rooms

    assert set(SOCKET_EVENTS) == set(rooms.CLIENT_EVENTS)


@pytest.mark.parametrize("event", sorted(SOCKET_EVENTS))
@pytest.mark.parametrize("role", sorted(CONNECTED))
def test_socket_event_matrix(app, world, event, role):
    client = socket_client(app, world, socket_auth(world, *CONNECTED[role]))
    assert client.is_connected()
    answer = client.emit(event, event_data(event, world), callback=True)
    allowed = SOCKET_EVENTS[event][role]
    if event == "resync":
        assert "insights" in answer
    elif allowed:
        assert answer["ok"] is True, answer
    else:
        assert answer == {"ok": False, "error": answer["error"]}
        assert answer["error"]["code"] == "participants_only"
    client.disconnect()


def test_socket_audiences_see_only_their_events(app, world):
    """Pending insights and presence reach facilitators (and the author), never walls or others."""
    w = world
    w.api("PATCH", f"/sessions/{w.code}", w.key, 200, json={"settings": {"premoderation": True}})
    clients = {role: socket_client(app, w, socket_auth(w, *a)) for role, a in CONNECTED.items()}
    author = socket_client(app, w, socket_auth(w, "participant", "author"))
    for client in (*clients.values(), author):
        client.get_received()
    pending = w.new_insight(text="Wacht op goedkeuring")
    new = {
        role: [m["args"][0]["id"] for m in c.get_received() if m["name"] == "insight:new"]
        for role, c in {**clients, "author": author}.items()
    }
    assert new == {
        "wall": [],
        "participant": [],
        "facilitator": [pending],
        "organiser": [pending],
        "author": [pending],
    }
    extra = socket_client(app, w, socket_auth(w, "participant", "participant"))
    for role, client in clients.items():
        got_presence = any(m["name"] == "presence" for m in client.get_received())
        assert got_presence is (role in ("facilitator", "organiser")), role
    resynced = {
        role: {i["id"]: i for i in c.emit("resync", {"since": 0}, callback=True)["insights"]}
        for role, c in clients.items()
    }
    for role in ("wall", "participant"):  # at most a stub that says "not for you": no text
        stub = resynced[role].get(pending, {"id": pending, "status": "hidden"})
        assert stub["status"] == "hidden" and set(stub) <= {"id", "seq", "status"}, role
    assert resynced["facilitator"][pending]["status"] == "pending"
    assert resynced["facilitator"][pending]["text"] == "Wacht op goedkeuring"
    for client in (*clients.values(), author, extra):
        client.disconnect()


# --- key rotation ---------------------------------------------------------------------------------


def test_rotated_key_stops_working_at_once_for_http_and_sockets(app, world):
    w = world
    console = socket_client(app, w, socket_auth(w, *CONNECTED["facilitator"]))
    organiser = socket_client(app, w, socket_auth(w, *CONNECTED["organiser"]))
    assert console.is_connected()
    console.get_received()
    new_key = w.api("POST", f"/sessions/{w.code}/facilitator-key", w.key, 200)["facilitator_key"]
    assert new_key != w.key
    names = [m["name"] for m in console.queue]  # get_received() refuses once disconnected
    assert "facilitator:revoked" in names
    assert not console.is_connected(), "the old key's socket is disconnected"
    # The old key is refused everywhere; the new key works.
    assert (
        w.call("PATCH", f"/api/v1/sessions/{w.code}", w.key, json={"title": "x"}).status_code == 403
    )
    assert w.call("GET", f"/f/{w.code}", w.key).status_code == 403
    assert not socket_client(app, w, socket_auth(w, *CONNECTED["facilitator"])).is_connected()
    w.key = new_key
    fresh = socket_client(app, w, socket_auth(w, *CONNECTED["facilitator"]))
    assert fresh.is_connected()
    assert (
        w.call("PATCH", f"/api/v1/sessions/{w.code}", new_key, json={"title": "y"}).status_code
        == 200
    )
    # Organisers hold their own token: they reconnect, still welcome.
    assert not organiser.is_connected()
    assert socket_client(app, w, socket_auth(w, *CONNECTED["organiser"])).is_connected()


def test_console_cookie_with_the_old_key_is_refused(world):
    w = world
    assert w.call("GET", f"/f/{w.code}?key={w.key}").status_code == 302
    assert w.call("GET", f"/f/{w.code}").status_code == 200  # the key is in the signed cookie now
    w.api("POST", f"/sessions/{w.code}/facilitator-key", w.key, 200)
    assert w.call("GET", f"/f/{w.code}").status_code == 403


# --- secrets, cookies, CSRF, headers --------------------------------------------------------------


def test_production_refuses_to_start_without_secret_key(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(AANTAFEL_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    started = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 1
    assert "Aan tafel cannot start: SECRET_KEY is not set" in started.stderr
    assert "Traceback" not in started.stderr
    env["SECRET_KEY"] = "short"
    started = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 1 and "SECRET_KEY is too short" in started.stderr


def test_tokens_are_random_enough_and_stored_hashed(app, world):
    from workshop.extensions import db
    from workshop.models import Participant, Session

    assert len(world.key) >= 32 and len(world.participant) >= 32  # 24 bytes = 192 bits
    with app.app_context():
        stored = db.session.scalar(db.select(Session).filter_by(code=world.code))
        assert world.key not in (stored.facilitator_key_hash, *stored.__dict__.values())
        hashes = db.session.scalars(db.select(Participant.token_hash)).all()
        assert world.participant not in hashes and len(hashes[0]) == 64


def test_generated_secrets_are_private_files(tmp_path):
    from workshop.config import instance_secret

    first = instance_secret(str(tmp_path), "organiser_token")
    assert instance_secret(str(tmp_path), "organiser_token") == first
    assert (tmp_path / "organiser_token").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "public_url, secure", [("https://tafel.example", True), ("http://x", False)]
)
def test_cookie_flags(tmp_path, public_url, secure):
    app = make_app(tmp_path, PUBLIC_URL=public_url)
    client = app.test_client()
    room = make_session(Api(client), title="Cookies")
    joined = client.post(f"/j/{room.code}/join", data={"table_id": room.table})
    login = client.post("/o/login", data={"token": ORGANISER_TOKEN})
    lang = client.get("/?lang=en")
    for response, name in ((joined, f"p_{room.code}"), (login, "session"), (lang, "lang")):
        header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))
        assert "HttpOnly" in header and "SameSite=Lax" in header, header
        assert ("Secure" in header) is secure, header


@pytest.fixture
def csrf_client(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    return app.test_client()


def test_every_form_carries_a_csrf_token(csrf_client):
    import re

    room = make_session(Api(csrf_client), title="Formulieren")
    pages = ["/o/", f"/j/{room.code}"]
    csrf_client.post(
        "/o/login", data={"token": ORGANISER_TOKEN, "csrf_token": token_of(csrf_client, "/o/")}
    )
    pages.append("/o/")
    me = csrf_client.post(
        f"/j/{room.code}/join",
        data={"table_id": room.table, "csrf_token": token_of(csrf_client, f"/j/{room.code}")},
    )
    assert me.status_code == 302
    pages.append(f"/j/{room.code}/{room.table}")
    forms = 0
    for page in pages:
        html = csrf_client.get(page).get_data(as_text=True)
        for form in re.findall(r"<form\b.*?</form>", html, flags=re.S | re.I):
            if re.search(r'method="post"', form, flags=re.I):
                forms += 1
                assert 'name="csrf_token"' in form, f"{page}: {form[:200]}"
    assert forms >= 5


def token_of(client, page: str) -> str:
    import re

    html = client.get(page).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize(
    "path, data",
    [
        ("/o/login", {"token": ORGANISER_TOKEN}),
        ("/o/logout", {}),
        ("/o/sessions", {"title": "x"}),
        ("/j/{code}/join", {"name": "x"}),
        ("/j/{code}/table", {"table_id": ""}),
        ("/j/{code}/post", {"client_id": "abcdefgh-1234", "text": "x"}),
        ("/j/{code}/vote/1", {}),
        ("/j/{code}/profile", {"quote_consent": "name"}),
    ],
)
def test_a_form_post_without_the_csrf_token_gets_a_clear_400_page(csrf_client, path, data):
    code = make_session(Api(csrf_client), title="CSRF").code
    response = csrf_client.post(path.format(code=code), data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<html" in page.lower() and "laad de pagina opnieuw" in page  # Dutch by default
    wrong = csrf_client.post(path.format(code=code), data={**data, "csrf_token": "forged"})
    assert wrong.status_code == 400


def test_api_changes_with_cookies_need_json(world):
    """The API is exempt from form tokens because a cookie-carrying change must be JSON."""
    w = world
    w.client.set_cookie(f"p_{w.code}", w.participant)
    form_post = w.client.post(
        f"/api/v1/sessions/{w.code}/insights/{w.insight_id}/vote",
        data="x=1",
        content_type="text/plain",
    )
    assert form_post.status_code == 400
    assert form_post.get_json()["error"]["code"] == "json_required"
    as_json = w.client.post(f"/api/v1/sessions/{w.code}/insights/{w.insight_id}/vote", json={})
    assert as_json.status_code == 200


@pytest.mark.parametrize("path", ["/", "/j/{code}", "/w/{code}", "/o/", "/api/v1/sessions/{code}"])
def test_security_headers_on_every_page(world, path):
    response = world.call("GET", path.format(code=world.code))
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
