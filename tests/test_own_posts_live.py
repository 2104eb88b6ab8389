"""Own posts over real Socket.IO clients against the live server: edits and withdrawals reach
every wall, console and phone at once, and a phone that was away learns it on resync."""

import time
from concurrent.futures import ThreadPoolExecutor


def test_an_edit_and_a_withdrawal_reach_every_screen(live_room, join, post, sockets):
    room = live_room
    author = join(room, name="Sanne")["token"]
    neighbour = join(room)["token"]
    elsewhere = join(room, room.tables[1])["token"]
    insight = post(room, author, "Eerst zo gezegd").json()

    wall = sockets(room.code)
    console = sockets(room.code, "facilitator", room.key)
    phone = sockets(room.code, "participant", author)
    table_phone = sockets(room.code, "participant", neighbour)
    other_table = sockets(room.code, "participant", elsewhere)

    ack = phone.call("insight:edit", {"insight_id": insight["id"], "text": "Beter gezegd"})
    assert ack["ok"] is True and ack["insight"]["text"] == "Beter gezegd"
    edited = lambda p: p["id"] == insight["id"] and p.get("text") == "Beter gezegd"  # noqa: E731
    for client in (wall, table_phone):
        assert "original_text" not in client.wait_for("insight:update", edited)
    assert console.wait_for("insight:update", edited)["original_text"] == "Eerst zo gezegd"

    refused = table_phone.call("insight:edit", {"insight_id": insight["id"], "text": "Van mij"})
    assert refused["ok"] is False and refused["error"]["code"] == "not_your_insight"
    refused = table_phone.call("insight:withdraw", {"insight_id": insight["id"]})
    assert refused["ok"] is False and refused["error"]["code"] == "not_your_insight"
    missing = phone.call("insight:withdraw", {"insight_id": "drie"})
    assert missing["ok"] is False and missing["error"]["code"] == "insight_not_found"

    ack = phone.call("insight:withdraw", {"insight_id": insight["id"]})
    stub = {"id": insight["id"], "seq": ack["insight"]["seq"], "status": "withdrawn"}
    assert ack == {"ok": True, "insight": stub}
    for client in (wall, console, phone, table_phone):
        assert client.wait_for("insight:remove", lambda p: p["id"] == insight["id"]) == stub
    assert not other_table.received("insight:remove")
    # Counts drop on every screen (session:update with counts).
    wall.wait_for("session:update", lambda s: s.get("counts", {}).get("insights") == 0)
    # Withdrawing again over the socket: the same answer, no second event.
    assert phone.call("insight:withdraw", {"insight_id": insight["id"]}) == ack
    # The phone's outbox sends the post again: an error ack, and it stays withdrawn.
    again = phone.call(
        "insight:post",
        {"client_id": insight["client_id"], "table_id": room.table, "text": "Eerst zo gezegd"},
    )
    assert again["ok"] is False and again["error"]["code"] == "withdrawn"
    assert len(wall.received("insight:remove")) == 1
    assert not [p for p in wall.received("insight:new") if p["id"] == insight["id"]]


def test_a_phone_that_was_away_learns_of_the_withdrawal_on_resync(live_room, join, post, sockets):
    room = live_room
    author = join(room, name="Sanne")["token"]
    neighbour = join(room)["token"]
    insight = post(room, author, "Even later weg").json()
    kept = post(room, neighbour, "Blijft").json()

    away = sockets(room.code, "participant", neighbour)
    seen = away.call("resync", {"since": 0})
    assert {i["id"] for i in seen["insights"]} == {insight["id"], kept["id"]}
    away.close()  # the phone drops off the wifi

    room.api.call("DELETE", f"/sessions/{room.code}/participants/me", author, 200)

    back = sockets(room.code, "participant", neighbour)  # reconnects, resyncs from its last seq
    answer = back.call("resync", {"since": seen["seq"]})
    assert [i for i in answer["insights"] if i["id"] == insight["id"]] == [
        {"id": insight["id"], "seq": answer["insights"][0]["seq"], "status": "withdrawn"}
    ]
    assert kept["id"] not in [i["id"] for i in answer["insights"]]  # unchanged: not sent again
    # The author's own phone and a wall see it as withdrawn too, after a full resync.
    own = sockets(room.code, "participant", author).call("resync", {"since": 0})["insights"]
    assert [i["status"] for i in own if i["id"] == insight["id"]] == ["withdrawn"]
    wall = sockets(room.code).call("resync", {"since": 0})["insights"]
    assert [i["status"] for i in wall if i["id"] == insight["id"]] == ["withdrawn"]
    assert "text" not in next(i for i in wall if i["id"] == insight["id"])


def test_a_double_tap_on_withdraw_withdraws_once(live_room, join, post, sockets):
    """Two withdrawals of one insight at once (socket and HTTP, as a phone's fallback may send):
    both answer the same tombstone, and the wall hears of it once."""
    room = live_room
    author = join(room, name="Sanne")["token"]
    insight = post(room, author, "Dubbel getikt").json()
    wall = sockets(room.code)
    phone = sockets(room.code, "participant", author)
    path = f"/sessions/{room.code}/insights/{insight['id']}"

    with ThreadPoolExecutor(4) as pool:
        over_http = [pool.submit(room.api.call, "DELETE", path, author) for _ in range(3)]
        over_socket = phone.call("insight:withdraw", {"insight_id": insight["id"]})
        answers = [f.result() for f in over_http]
    assert {a.status_code for a in answers} == {200}
    stubs = {tuple(sorted(a.json().items())) for a in answers}
    stubs.add(tuple(sorted(over_socket["insight"].items())))
    assert len(stubs) == 1 and dict(next(iter(stubs)))["status"] == "withdrawn"
    wall.wait_for("insight:remove", lambda p: p["id"] == insight["id"])
    time.sleep(0.5)  # a second event would arrive within this
    assert len(wall.received("insight:remove")) == 1
