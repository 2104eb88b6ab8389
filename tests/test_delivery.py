"""Never lose a post (docs/RELIABILITY.md), against a live server: idempotent retries over socket
and HTTP at once, resync after a drop (with the edits, hides and votes made meanwhile), and a
restart of the server process mid-session."""

import asyncio
import threading

import pytest
import requests
import socketio

from tests.support import Api, ResyncingSocket, SocketClient, insight_body, run_async
from tests.support.factories import join


@pytest.fixture
def room(live_room):
    """An open session on the live server and a phone at its first table."""
    return live_room.created, live_room.created["tables"], join(live_room, name="Sanne")


def all_insights(api, created) -> list[dict]:
    """Every insight of the session, hidden and pending too (facilitator key)."""
    return api.call(
        "GET", f"/sessions/{created['code']}/insights", created["facilitator_key"], 200
    ).json()["insights"]


# --- the same client id, many times, at once ----------------------------------------------------


def test_same_client_id_over_socket_and_http_at_once_stores_one(room, api, live_server):
    """Eight sockets and eight HTTP requests send the same post at the same moment, five times."""
    created, tables, phone = room
    auth = {"session": created["code"], "role": "participant", "token": phone["token"]}
    connections = [SocketClient(live_server.url, auth) for _ in range(8)]
    try:
        for _ in range(5):
            body = insight_body(tables[0]["id"])
            start = threading.Barrier(16)
            answers: list = []

            def over_socket(client, body=body, start=start, answers=answers):
                start.wait()
                ack = client.call("insight:post", body, timeout=10)
                assert ack["ok"], ack
                answers.append(ack["insight"])

            def over_http(body=body, start=start, answers=answers):
                http = requests.Session()
                start.wait()
                response = http.post(
                    f"{live_server.url}/api/v1/sessions/{created['code']}/insights",
                    json=body,
                    headers={"Authorization": f"Bearer {phone['token']}"},
                    timeout=10,
                )
                assert response.status_code in (200, 201), response.text
                answers.append(response.json())

            threads = [threading.Thread(target=over_socket, args=(c,)) for c in connections]
            threads += [threading.Thread(target=over_http) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(20)
            assert len(answers) == 16
            assert {a["id"] for a in answers} == {answers[0]["id"]}
            assert {a["seq"] for a in answers} == {answers[0]["seq"]}
            assert all(a["client_id"] == body["client_id"] and a["own"] for a in answers)
        stored = all_insights(api, created)
        assert len(stored) == 5
        assert len({i["client_id"] for i in stored}) == 5
    finally:
        for client in connections:
            client.close()


def test_many_async_clients_send_the_same_posts_at_once(room, api, live_server):
    """Ten async phones of one participant each send the same ten posts in their own order.

    (100 events: within one participant's socket budget of 120, see workshop/ratelimit.py.)
    """
    created, tables, phone = room
    bodies = [insight_body(tables[0]["id"], f"Inzicht {n}") for n in range(10)]
    auth = {"session": created["code"], "role": "participant", "token": phone["token"]}

    async def one_phone(order):
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(live_server.url, auth=auth, transports=["websocket"], wait_timeout=10)
        try:
            answers = await asyncio.gather(
                *(client.call("insight:post", bodies[n], timeout=20) for n in order)
            )
        finally:
            await client.disconnect()
        return answers

    async def everyone():
        orders = [list(range(10))[k:] + list(range(10))[:k] for k in range(10)]
        return await asyncio.gather(*(one_phone(order) for order in orders))

    results = run_async(everyone())
    ids_per_client_id: dict[str, set] = {}
    for answers in results:
        for answer in answers:
            assert answer["ok"] is True, answer
            ids_per_client_id.setdefault(answer["insight"]["client_id"], set()).add(
                answer["insight"]["id"]
            )
    assert len(ids_per_client_id) == 10
    assert all(len(ids) == 1 for ids in ids_per_client_id.values())
    stored = all_insights(api, created)
    assert sorted(i["client_id"] for i in stored) == sorted(b["client_id"] for b in bodies)


def test_retry_is_answered_even_when_the_session_closed_meanwhile(room, api, sockets):
    """An acknowledged-but-lost post is retried after the facilitator closed the session."""
    created, tables, phone = room
    body = insight_body(tables[0]["id"])
    first = api.call(
        "POST", f"/sessions/{created['code']}/insights", phone["token"], 201, json=body
    )
    api.call(
        "PATCH", f"/sessions/{created['code']}", created["facilitator_key"], 200,
        json={"state": "closed"},
    )  # fmt: skip
    again = api.call(
        "POST", f"/sessions/{created['code']}/insights", phone["token"], 200, json=body
    )
    assert again.json()["id"] == first.json()["id"]
    author = sockets(created["code"], "participant", phone["token"])
    assert author.call("insight:post", body)["insight"]["id"] == first.json()["id"]
    new = author.call("insight:post", insight_body(tables[0]["id"]))
    assert new["ok"] is False and new["error"]["code"] == "session_not_open"


def test_retries_of_a_stored_post_are_not_rate_limited(room, api):
    created, tables, phone = room
    bodies = [insight_body(tables[0]["id"], f"Inzicht {n}") for n in range(30)]
    for body in bodies:  # the whole burst: 30 posts and votes
        api.call("POST", f"/sessions/{created['code']}/insights", phone["token"], 201, json=body)
    limited = api.post(created["code"], phone["token"], tables[0]["id"])
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    for body in bodies[:10]:  # a phone that never saw the acks sends them all again
        api.call("POST", f"/sessions/{created['code']}/insights", phone["token"], 200, json=body)


def test_a_client_id_cannot_claim_another_participants_post(room, api):
    created, tables, phone = room
    body = insight_body(tables[0]["id"])
    api.call("POST", f"/sessions/{created['code']}/insights", phone["token"], 201, json=body)
    other = api.join(created["code"], tables[0]["id"])
    taken = api.call(
        "POST", f"/sessions/{created['code']}/insights", other["token"], 409, json=body
    )
    assert taken.json()["error"]["code"] == "client_id_taken"


# --- resync -------------------------------------------------------------------------------------


def test_wall_and_phone_catch_up_with_everything_that_changed_while_offline(room, api, live_server):
    """Offline for a while: new posts, an edit, a hide, a restore, a pin and a vote happened."""
    created, tables, phone = room
    code, key = created["code"], created["facilitator_key"]
    neighbour = api.join(code, tables[0]["id"], name="Joost")
    kept = api.post(code, phone["token"], tables[0]["id"], "Eerst de cijfers").json()
    edited = api.post(code, phone["token"], tables[0]["id"], "Typfout hier").json()
    hidden = api.post(code, neighbour["token"], tables[0]["id"], "Wordt verborgen").json()
    restored = api.post(code, neighbour["token"], tables[0]["id"], "Komt terug").json()
    api.call(
        "PATCH", f"/sessions/{code}/insights/{restored['id']}", key, 200, json={"status": "hidden"}
    )

    wall = ResyncingSocket(live_server.url, {"session": code, "role": "wall"})
    me = ResyncingSocket(
        live_server.url, {"session": code, "role": "participant", "token": phone["token"]}
    )
    try:
        for client in (wall, me):
            client.wait_until(lambda c: c.resyncs == 1 and len(c.mirror.visible()) == 3)
        # Both drop off the wifi: the server does not know them any more.
        wall.sio.disconnect()
        me.sio.disconnect()
        late = api.post(code, neighbour["token"], tables[0]["id"], "Later geplaatst").json()
        elsewhere = api.post(code, neighbour["token"], tables[1]["id"], "Andere tafel").json()
        api.call(
            "PATCH",
            f"/sessions/{code}/insights/{edited['id']}",
            key,
            200,
            json={"text": "Typfout weg"},
        )
        api.call(
            "PATCH",
            f"/sessions/{code}/insights/{hidden['id']}",
            key,
            200,
            json={"status": "hidden"},
        )
        api.call(
            "PATCH",
            f"/sessions/{code}/insights/{restored['id']}",
            key,
            200,
            json={"status": "visible"},
        )
        api.call(
            "PATCH", f"/sessions/{code}/insights/{kept['id']}", key, 200, json={"pinned": True}
        )
        api.call("POST", f"/sessions/{code}/insights/{kept['id']}/vote", neighbour["token"], 200)
        for client in (wall, me):
            auth = client.sio.connection_auth
            client.sio.connect(live_server.url, auth=auth, transports=["websocket"])
            client.wait_until(lambda c: c.resyncs == 2)

        public = {
            i["id"]: i for i in api.call("GET", f"/sessions/{code}/insights").json()["insights"]
        }
        assert (
            set(wall.mirror.visible())
            == set(public)
            == {kept["id"], edited["id"], restored["id"], late["id"], elsewhere["id"]}
        )
        for insight_id, insight in public.items():
            assert wall.mirror.insights[insight_id] == insight  # current state, field for field
        assert wall.mirror.insights[edited["id"]]["text"] == "Typfout weg"
        assert wall.mirror.insights[kept["id"]]["votes"] == 1
        assert wall.mirror.insights[kept["id"]]["pinned"] is True
        assert hidden["id"] not in wall.mirror.insights  # its stub removed it
        # The phone sees its table and its own posts, not the other table.
        assert set(me.mirror.visible()) == {kept["id"], edited["id"], restored["id"], late["id"]}
        assert me.mirror.insights[edited["id"]]["own"] is True
        for client in (wall, me):
            assert client.mirror.duplicates() == 0
    finally:
        wall.close()
        me.close()


def test_resync_sends_stubs_for_what_is_no_longer_visible(room, api, sockets):
    created, tables, phone = room
    code, key = created["code"], created["facilitator_key"]
    posted = api.post(code, phone["token"], tables[0]["id"]).json()
    wall = sockets(code, "wall")
    since = wall.call("resync", {"since": 0})["insights"][-1]["seq"]
    api.call(
        "PATCH", f"/sessions/{code}/insights/{posted['id']}", key, 200, json={"status": "hidden"}
    )
    answer = wall.call("resync", {"since": since})
    assert answer["insights"] == [{"id": posted["id"], "seq": since + 1, "status": "hidden"}]
    # The author's phone still sees its own post, with its status.
    author = sockets(code, "participant", phone["token"])
    own = author.call("resync", {"since": since})["insights"]
    assert own[0]["id"] == posted["id"] and own[0]["status"] == "hidden" and own[0]["own"]
    refused = wall.call("resync", {"since": -1})
    assert refused["ok"] is False and refused["error"]["code"] == "invalid"


# --- restart ------------------------------------------------------------------------------------


def test_restart_loses_nothing_and_sockets_come_back_by_themselves(own_server):
    """Stop and start the server process mid-session (a graceful stop, as a deploy does)."""
    api = Api(own_server.url)
    created = api.create_session()
    code, table = created["code"], created["tables"][0]["id"]
    phone = api.join(code, table, name="Fatima")
    wall = ResyncingSocket(own_server.url, {"session": code, "role": "wall"})
    me = ResyncingSocket(
        own_server.url, {"session": code, "role": "participant", "token": phone["token"]}
    )
    try:
        before = [
            me.sio.call("insight:post", insight_body(table, f"Voor de herstart {n}"))["insight"]
            for n in range(5)
        ]
        wall.wait_until(lambda c: len(c.mirror.visible()) == 5)
        connects = wall.connects, me.connects

        own_server.restart()

        # Posted over HTTP while the sockets are still finding their way back.
        during = api.post(code, phone["token"], table, "Meteen na de herstart").json()
        for client, count in zip((wall, me), connects, strict=True):
            client.wait_until(lambda c, count=count: c.connects > count and c.sio.connected)
        after = me.sio.call("insight:post", insight_body(table, "Weer live"), timeout=10)["insight"]
        acknowledged = {i["id"] for i in before} | {during["id"], after["id"]}
        wall.wait_until(lambda c: set(c.mirror.visible()) == acknowledged)
        me.wait_until(lambda c: set(c.mirror.visible()) == acknowledged)
        assert {i["id"] for i in all_insights(api, created)} == acknowledged
        assert wall.mirror.duplicates() == 0 and me.mirror.duplicates() == 0
        # A retry of a post acknowledged before the restart is still answered with it.
        retry = me.sio.call(
            "insight:post", {**insight_body(table), "client_id": before[0]["client_id"]}
        )
        assert retry["insight"]["id"] == before[0]["id"]
    finally:
        wall.close()
        me.close()
