"""Socket.IO against a live server (`python app.py`): rooms, acks, resync, auth."""

import pytest

from tests.support import insight_body
from tests.support.factories import join


@pytest.fixture
def room(live_room):
    """An open session on the live server and a phone at its first table."""
    phone = join(live_room, name="Sanne", organisation_type="installer")
    return live_room.created, live_room.created["tables"], phone


def test_phone_posts_and_wall_receives(room, sockets):
    created, tables, phone = room
    wall = sockets(created["code"], "wall")
    phone_socket = sockets(created["code"], "participant", phone["token"])
    ack = phone_socket.call(
        "insight:post",
        insight_body(tables[0]["id"], "Collectief inkopen scheelt 20%.", kind="success"),
    )
    assert ack["ok"] is True
    insight = ack["insight"]
    received = wall.wait_for("insight:new", lambda i: i["id"] == insight["id"])
    assert received["text"] == "Collectief inkopen scheelt 20%."
    assert received["client_id"] == insight["client_id"] and received["seq"] == insight["seq"]
    assert received["author"] == {"name": "Sanne", "organisation_type": "installer"}


def test_first_messages_are_the_current_state(room, sockets):
    created, _, _ = room
    wall = sockets(created["code"], "wall")
    state = wall.wait_for("session:update")
    assert state["code"] == created["code"] and state["state"] == "open"
    assert wall.wait_for("round:update")["number"] == 1
    assert wall.wait_for("spotlight") == {"insight": None}
    assert [name for name, _ in wall.events[:3]] == ["session:update", "round:update", "spotlight"]


def test_phones_see_only_their_own_table(room, sockets, api):
    created, tables, phone = room
    neighbour = api.join(created["code"], tables[0]["id"])
    elsewhere = api.join(created["code"], tables[1]["id"])
    same_table = sockets(created["code"], "participant", neighbour["token"])
    other_table = sockets(created["code"], "participant", elsewhere["token"])
    wall = sockets(created["code"], "wall")
    author = sockets(created["code"], "participant", phone["token"])
    insight = author.call("insight:post", insight_body(tables[0]["id"]))["insight"]
    same_table.wait_for("insight:new", lambda i: i["id"] == insight["id"])
    wall.wait_for("insight:new", lambda i: i["id"] == insight["id"])
    # A later post at the other table proves the other phone was listening all along.
    marker = other_table.call("insight:post", insight_body(tables[1]["id"], "Andere tafel"))[
        "insight"
    ]
    other_table.wait_for("insight:new", lambda i: i["id"] == marker["id"])
    assert insight["id"] not in [i["id"] for i in other_table.received("insight:new")]


def test_retry_with_same_client_id_stores_once(room, sockets, api):
    created, tables, phone = room
    author = sockets(created["code"], "participant", phone["token"])
    body = insight_body(tables[0]["id"])
    first = author.call("insight:post", body)
    second = author.call("insight:post", body)
    http = api.call("POST", f"/sessions/{created['code']}/insights", phone["token"], json=body)
    assert first["insight"]["id"] == second["insight"]["id"] == http.json()["id"]
    assert http.status_code == 200
    listed = api.call("GET", f"/sessions/{created['code']}/insights").json()["insights"]
    assert [i["client_id"] for i in listed].count(body["client_id"]) == 1


def test_bad_payloads_get_error_acks(room, sockets):
    created, tables, phone = room
    author = sockets(created["code"], "participant", phone["token"])
    assert author.call("insight:post", "not an object")["error"]["code"] == "bad_request"
    too_long = author.call("insight:post", insight_body(tables[0]["id"], "x" * 600))
    assert (
        too_long == {"ok": False, "error": too_long["error"]}
        and too_long["error"]["code"] == "too_long"
    )
    unknown = author.call("insight:post", insight_body(987654))
    assert unknown["error"]["code"] == "table_not_found"
    wall = sockets(created["code"], "wall")
    assert (
        wall.call("insight:post", insight_body(tables[0]["id"]))["error"]["code"]
        == "participants_only"
    )


def test_connect_is_refused_without_valid_auth(room, live_server):
    import socketio

    created, _, _ = room
    for auth in (
        {"session": "ZZZZZZ", "role": "wall"},
        {"session": created["code"], "role": "facilitator", "token": "guess"},
        {"session": created["code"], "role": "participant", "token": "guess"},
        {"session": created["code"], "role": "admin"},
        "nonsense",
    ):
        client = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(live_server.url, auth=auth, transports=["websocket"], wait_timeout=5)


def test_resync_returns_changes_since_a_seq(room, sockets, api):
    created, tables, phone = room
    code, key = created["code"], created["facilitator_key"]
    one = api.post(code, phone["token"], tables[0]["id"], "Eerste").json()
    two = api.post(code, phone["token"], tables[0]["id"], "Tweede").json()
    api.call("PATCH", f"/sessions/{code}/insights/{one['id']}", key, 200, json={"status": "hidden"})
    wall = sockets(code, "wall")
    answer = wall.call("resync", {"since": 0})["insights"]
    assert [i["id"] for i in answer] == [two["id"], one["id"]]  # in seq order: the hide came last
    assert answer[1] == {"id": one["id"], "seq": answer[1]["seq"], "status": "hidden"}
    assert wall.call("resync", {"since": answer[-1]["seq"]})["insights"] == []


def test_moderation_reaches_wall_and_facilitator(room, sockets, api):
    created, tables, phone = room
    code, key = created["code"], created["facilitator_key"]
    api.call("PATCH", f"/sessions/{code}", key, 200, json={"settings": {"premoderation": True}})
    wall = sockets(code, "wall")
    console = sockets(code, "facilitator", key)
    posted = api.post(code, phone["token"], tables[0]["id"], "Graag eerst goedkeuren").json()
    pending = console.wait_for("insight:new", lambda i: i["id"] == posted["id"])
    assert pending["status"] == "pending"
    api.call(
        "PATCH", f"/sessions/{code}/insights/{posted['id']}", key, 200, json={"status": "visible"}
    )
    shown = wall.wait_for("insight:new", lambda i: i["id"] == posted["id"])
    assert shown["status"] == "visible"
    api.call(
        "PATCH", f"/sessions/{code}/insights/{posted['id']}", key, 200, json={"status": "hidden"}
    )
    assert wall.wait_for("insight:remove", lambda i: i["id"] == posted["id"])["status"] == "hidden"


def test_state_and_round_changes_reach_everyone(room, sockets, api):
    created, tables, phone = room
    code, key = created["code"], created["facilitator_key"]
    phone_socket = sockets(code, "participant", phone["token"])
    wall = sockets(code, "wall")
    api.call("POST", f"/sessions/{code}/rounds", key, 201, json={"minutes": 5})
    api.call("PATCH", f"/sessions/{code}", key, 200, json={"state": "paused"})
    for client in (phone_socket, wall):
        assert client.wait_for("round:update", lambda r: r["ends_at"])["number"] == 1
        client.wait_for("session:update", lambda s: s.get("state") == "paused")
    refused = phone_socket.call("insight:post", insight_body(tables[0]["id"]))
    assert refused["error"]["code"] == "session_not_open"
    # A phone reads the refusal in its page's language: the session's (nl), or the one it chose.
    assert (
        refused["error"]["message"]
        == "De sessie is gepauzeerd; je tekst blijft bewaard tot ze weer opent."
    )
    english = sockets(code, "participant", phone["token"], headers={"Cookie": "lang=en"})
    refused = english.call("insight:post", insight_body(tables[0]["id"]))
    assert (
        refused["error"]["message"] == "The session is paused; your text is kept until it reopens."
    )


def test_votes_over_the_socket(room, sockets, api):
    created, tables, phone = room
    posted = api.post(created["code"], phone["token"], tables[0]["id"]).json()
    voter = api.join(created["code"], tables[0]["id"])
    voter_socket = sockets(created["code"], "participant", voter["token"])
    wall = sockets(created["code"], "wall")
    assert voter_socket.call("insight:vote", {"insight_id": posted["id"]}) == {
        "ok": True,
        "votes": 1,
        "voted": True,
    }
    assert wall.wait_for("insight:update", lambda i: i["id"] == posted["id"])["votes"] == 1


def test_silent_mode_gives_walls_counts_not_texts(room, sockets, api):
    """A withheld post reaches the wall as a count only; the facilitator sees the text."""
    created, tables, phone = room
    api.call(
        "PATCH",
        f"/sessions/{created['code']}",
        created["facilitator_key"],
        json={"settings": {"silent": True}},
        expect=200,
    )
    wall = sockets(created["code"], "wall")
    author = sockets(created["code"], "participant", phone["token"])
    insight = author.call("insight:post", insight_body(tables[0]["id"], "Nog even stil."))[
        "insight"
    ]
    update = wall.wait_for("session:update", lambda u: set(u) == {"counts"})
    assert update["counts"]["pending"] == 0 and update["counts"]["insights"] == 1
    assert insight["id"] not in [i["id"] for i in wall.received("insight:new")]
