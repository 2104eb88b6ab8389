"""The HTTP API (workshop/data/openapi.json), in process: contract shapes and every error path."""

import uuid

import pytest

from tests.support import ORGANISER_TOKEN


@pytest.fixture
def me(room, join):
    """A participant of the shared `room`, at its first table."""
    return join(room, name="Joost", organisation_type="municipality")


def test_create_session_returns_the_contract(api_client):
    created = api_client.create_session(state="draft")
    assert set(created) >= {
        "code",
        "facilitator_key",
        "join_url",
        "wall_url",
        "facilitator_url",
        "tables",
    }
    assert created["join_url"] == f"http://aantafel.test/j/{created['code']}"
    assert created["tables"][0]["join_url"].endswith(
        f"/j/{created['code']}/{created['tables'][0]['id']}"
    )
    public = api_client.call("GET", f"/sessions/{created['code']}", expect=200).json()
    assert set(public) >= {
        "code",
        "title",
        "language",
        "state",
        "settings",
        "tables",
        "round",
        "counts",
    }
    assert public["state"] == "draft" and public["settings"]["max_length"] == 500
    assert "facilitator_key" not in public


def test_create_session_needs_the_organiser_token(api_client):
    body = {"title": "x", "language": "nl"}
    assert api_client.call("POST", "/sessions", json=body).status_code == 401
    assert api_client.call("POST", "/sessions", "wrong", json=body).status_code == 403


def test_post_insight_is_idempotent(api_client, room, me):
    created, table_id = room.created, room.table
    body = {
        "client_id": str(uuid.uuid4()),
        "table_id": table_id,
        "text": "Eerst luisteren",
        "kind": "lesson",
        "perspectives": ["residents"],
        "phase": "phase_1",
    }
    first = api_client.call("POST", f"/sessions/{created['code']}/insights", me["token"], json=body)
    again = api_client.call("POST", f"/sessions/{created['code']}/insights", me["token"], json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    insight = first.json()
    assert {
        "id",
        "client_id",
        "seq",
        "table_id",
        "text",
        "kind",
        "perspectives",
        "phase",
        "votes",
        "status",
        "created_at",
        "author",
    } <= set(insight)
    assert insight["author"] == {"name": "Joost", "organisation_type": "municipality"}
    assert "+00:00" in insight["created_at"]
    listed = api_client.call(
        "GET", f"/sessions/{created['code']}/insights?since=0", expect=200
    ).json()
    assert [i["id"] for i in listed["insights"]] == [insight["id"]]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"table_id": 1, "text": "no client id"}, 400, "bad_request"),
        ({"client_id": "short", "table_id": 1, "text": "x"}, 422, "invalid"),
        ({"client_id": "c" * 36, "table_id": 999999, "text": "x"}, 404, "table_not_found"),
        ({"client_id": "c" * 36, "table_id": None, "text": "x"}, 400, "bad_request"),
        ({"client_id": "c" * 36, "text": ""}, 422, "invalid"),
        ({"client_id": "c" * 36, "text": "x" * 501}, 422, "too_long"),
        ({"client_id": "c" * 36, "text": "x", "kind": "rant"}, 422, "invalid"),
        ({"client_id": "c" * 36, "text": "x", "perspectives": "residents"}, 422, "invalid"),
    ],
)
def test_bad_insights_get_clear_errors_and_store_nothing(api_client, room, body, status, code, me):
    created, table_id = room.created, room.table
    if "table_id" not in body:
        body = {**body, "table_id": table_id}
    answer = api_client.call(
        "POST", f"/sessions/{created['code']}/insights", me["token"], json=body
    )
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]
    listed = api_client.call("GET", f"/sessions/{created['code']}/insights", expect=200).json()
    assert listed["insights"] == []


def test_malformed_json_and_framework_errors_are_json(api_client, room, me):
    created = room.created
    path = f"/sessions/{created['code']}/insights"
    bad = api_client.call(
        "POST", path, me["token"], data="{not json", content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_json"
    assert api_client.call("GET", "/nope").json()["error"]["code"] == "not_found"
    assert api_client.call("DELETE", f"/sessions/{created['code']}").status_code == 405
    assert api_client.call("DELETE", f"/sessions/{created['code']}").json()["error"]["message"]
    huge = api_client.call(
        "POST", path, me["token"], data="x" * 100_000, content_type="application/json"
    )
    assert huge.status_code == 413 and huge.json()["error"]["code"]


def test_unknown_session_and_tokens(api_client, room):
    created, table_id = room.created, room.table
    assert api_client.call("GET", "/sessions/ZZZZZZ").status_code == 404
    body = {"client_id": str(uuid.uuid4()), "table_id": table_id, "text": "x"}
    assert (
        api_client.call("POST", f"/sessions/{created['code']}/insights", json=body).status_code
        == 401
    )
    assert (
        api_client.call(
            "POST", f"/sessions/{created['code']}/insights", "nope", json=body
        ).status_code
        == 401
    )


def test_closed_session_refuses_posts_and_joins(api_client, room, me):
    created, table_id = room.created, room.table
    api_client.call(
        "PATCH",
        f"/sessions/{created['code']}",
        created["facilitator_key"],
        200,
        json={"state": "closed"},
    )
    posted = api_client.post(created["code"], me["token"], table_id)
    assert posted.status_code == 409 and posted.json()["error"]["code"] == "session_not_open"
    joined = api_client.call("POST", f"/sessions/{created['code']}/participants", json={})
    assert joined.status_code == 409


def test_participant_cannot_moderate(api_client, room, me):
    created, table_id = room.created, room.table
    insight = api_client.post(created["code"], me["token"], table_id).json()
    for method, path, body in [
        ("PATCH", f"/sessions/{created['code']}/insights/{insight['id']}", {"status": "hidden"}),
        ("PATCH", f"/sessions/{created['code']}", {"state": "closed"}),
        ("POST", f"/sessions/{created['code']}/tables", {"name": "x"}),
        ("PUT", f"/sessions/{created['code']}/spotlight", {"insight_id": insight["id"]}),
        ("POST", f"/sessions/{created['code']}/rounds", {"minutes": 5}),
    ]:
        assert api_client.call(method, path, me["token"], json=body).status_code == 403, path


def test_facilitator_runs_tables_rounds_and_spotlight(api_client, room, me):
    created, table_id = room.created, room.table
    code, key = created["code"], created["facilitator_key"]
    added = api_client.call(
        "POST",
        f"/sessions/{code}/tables",
        key,
        201,
        json={"name": "Warmtenet", "question": "Wie betaalt?"},
    ).json()
    api_client.call(
        "PATCH",
        f"/sessions/{code}/tables/{added['id']}",
        key,
        200,
        json={"order": 0, "host": "Anne"},
    )
    tables = api_client.call("GET", f"/sessions/{code}", expect=200).json()["tables"]
    assert tables[0]["name"] == "Warmtenet" and tables[0]["host"] == "Anne"
    api_client.call("DELETE", f"/sessions/{code}/tables/{added['id']}", key, 204)
    insight = api_client.post(code, me["token"], table_id).json()
    assert api_client.call("DELETE", f"/sessions/{code}/tables/{table_id}", key).status_code == 409
    round_ = api_client.call(
        "POST", f"/sessions/{code}/rounds", key, 201, json={"minutes": 10}
    ).json()
    assert round_["number"] == 2 and round_["ends_at"].endswith("+00:00")
    shown = api_client.call(
        "PUT", f"/sessions/{code}/spotlight", key, 200, json={"insight_id": insight["id"]}
    ).json()
    assert shown["insight"]["id"] == insight["id"]
    api_client.call(
        "PUT",
        f"/sessions/{code}/tables/{table_id}/summary",
        key,
        200,
        json={"text": "Luister eerst."},
    )


def test_vote_toggles_and_refuses_own(api_client, room, me):
    created, table_id = room.created, room.table
    insight = api_client.post(created["code"], me["token"], table_id).json()
    other = api_client.join(created["code"], table_id)
    path = f"/sessions/{created['code']}/insights/{insight['id']}/vote"
    assert api_client.call("POST", path, other["token"], expect=200).json() == {
        "votes": 1,
        "voted": True,
    }
    assert api_client.call("POST", path, other["token"], expect=200).json() == {
        "votes": 0,
        "voted": False,
    }
    assert api_client.call("POST", path, me["token"]).status_code == 409


def test_rate_limited_posts_get_429_with_retry_after(api_client, room, me):
    created, table_id = room.created, room.table
    statuses = [
        api_client.post(created["code"], me["token"], table_id).status_code for _ in range(31)
    ]
    assert statuses[:30] == [201] * 30
    limited = api_client.post(created["code"], me["token"], table_id)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_csv_and_json_harvest(api_client, room, me):
    created, table_id = room.created, room.table
    api_client.post(created["code"], me["token"], table_id, text='=SUM(A1) "quoted"; café 🌱')
    path = f"/sessions/{created['code']}/export"
    assert api_client.call("GET", path + ".csv").status_code == 401
    csv_reply = api_client.call("GET", path + ".csv", created["facilitator_key"], 200)
    assert csv_reply.content.startswith("\ufeff".encode())
    text = csv_reply.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Sessie;Tafel;Vraag;Inzicht")
    assert "'=SUM(A1)" in text and "café 🌱" in text
    document = api_client.call("GET", path + ".json", ORGANISER_TOKEN, 200).json()
    assert document["sessions"][0]["insights"][0]["text"] == '=SUM(A1) "quoted"; café 🌱'


def test_security_headers_on_every_page(client, api_client):
    created = api_client.create_session()
    for path in (
        "/",
        f"/w/{created['code']}",
        f"/j/{created['code']}",
        "/api/v1/openapi.json",
        "/nope",
    ):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp
            and "frame-ancestors 'none'" in csp
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("state", ["paused", "closed", "archived"])
def test_votes_and_joins_outside_an_open_session_are_409(app, client, api_client, room, state, me):
    """Joins, posts and votes only while open; over HTTP and sockets."""
    from workshop.extensions import socketio

    created, table_id = room.created, room.table
    code, key = created["code"], created["facilitator_key"]
    other = api_client.join(code, table_id)
    insight = api_client.post(code, other["token"], table_id).json()
    vote = f"/sessions/{code}/insights/{insight['id']}/vote"
    phone = socketio.test_client(
        app,
        auth={"session": code, "role": "participant", "token": me["token"]},
        flask_test_client=client,
    )
    for step in ["closed", "archived"] if state == "archived" else [state]:
        api_client.call("PATCH", f"/sessions/{code}", key, 200, json={"state": step})

    voted = api_client.call("POST", vote, me["token"])
    assert voted.status_code == 409 and voted.json()["error"]["code"] == "session_not_open"
    ack = phone.emit("insight:vote", {"insight_id": insight["id"]}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "session_not_open"
    joined = api_client.call("POST", f"/sessions/{code}/participants", json={"table_id": table_id})
    assert joined.status_code == 409 and joined.json()["error"]["code"] == "session_not_open"
    form = client.post(f"/j/{code}/join", data={"table_id": str(table_id)})
    assert form.status_code == 409
    votes = api_client.call("GET", f"/sessions/{code}/insights", key).json()["insights"]
    assert [i["votes"] for i in votes] == [0]
    phone.disconnect()
    if state == "paused":  # each says what the pause means for it, in the phone's language
        assert "join as soon as it continues" in joined.json()["error"]["message"]
        assert "je kunt meedoen zodra ze verdergaat" in form.get_data(as_text=True)
        assert "je kunt inzichten herkennen zodra ze verdergaat" in ack["error"]["message"]


def test_only_the_organiser_puts_a_session_in_an_event(api_client, room):
    created = room.created
    code, key = created["code"], created["facilitator_key"]
    event = api_client.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "E"}).json()
    path = f"/sessions/{code}"
    for body in ({"event_id": event["id"]}, {"event_id": None}, {"title": "T", "event_id": 1}):
        refused = api_client.call("PATCH", path, key, json=body)
        assert refused.status_code == 403, body
        assert refused.json()["error"]["code"] == "wrong_token"
    assert api_client.call("GET", path).json()["title"] != "T"  # nothing changed half-way
    export = api_client.call("GET", f"/events/{event['id']}/export.json", ORGANISER_TOKEN, 200)
    assert export.json()["sessions"] == []
    assert api_client.call("PATCH", path, json={"event_id": event["id"]}).status_code == 401
    moved = api_client.call("PATCH", path, ORGANISER_TOKEN, 200, json={"event_id": event["id"]})
    assert moved.json()["event_id"] == event["id"]
    # The facilitator still changes everything else.
    assert api_client.call("PATCH", path, key, 200, json={"title": "Nieuw"}).json()["title"]


@pytest.mark.parametrize("fmt", ["csv", "json", "md", "xlsx", "docx"])
def test_exports_name_their_charset_once(client, room, fmt):
    created = room.created
    headers = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}
    event = client.post("/api/v1/events", json={"name": "E"}, headers=headers).get_json()
    for path in (
        f"/api/v1/sessions/{created['code']}/export.{fmt}",
        f"/api/v1/events/{event['id']}/export.{fmt}",
    ):
        reply = client.get(path, headers=headers)
        assert reply.status_code == 200
        content_type = reply.headers["Content-Type"]
        assert content_type.count("charset") <= 1, content_type
        if fmt in ("csv", "md"):
            assert content_type.endswith("; charset=utf-8"), content_type
