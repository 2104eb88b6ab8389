"""The live event dashboard: organisers see every session of an event, at most once a second."""

import time

import pytest

from tests.support import ORGANISER_TOKEN
from tests.support.sockets import SocketClient, refusal


@pytest.fixture
def event(api):
    """An event with two open sessions, one with pre-moderation."""
    event = api.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up"}).json()
    first = api.create_session(title="Wijkaanpak", event_id=event["id"])
    second = api.create_session(title="Warmtenet", event_id=event["id"])
    api.call("PATCH", f"/sessions/{second['code']}", second["facilitator_key"], 200,
             json={"settings": {"premoderation": True}})  # fmt: skip
    return event["id"], first, second


def dashboard(live_server, event_id, token=ORGANISER_TOKEN) -> SocketClient:
    return SocketClient(live_server.url, {"role": "organiser", "token": token, "event": event_id})


def by_code(update: dict) -> dict:
    return {entry["code"]: entry for entry in update["sessions"]}


def test_the_first_update_shows_every_session_of_the_event(live_server, api, event):
    event_id, first, second = event
    api.create_session(title="Another event's session")  # not in this event
    watcher = dashboard(live_server, event_id)
    sessions = by_code(watcher.wait_for("event:update", timeout=3))
    assert set(sessions) == {first["code"], second["code"]}
    entry = sessions[first["code"]]
    assert entry["title"] == "Wijkaanpak" and entry["state"] == "open"
    assert (entry["phones"], entry["insights"], entry["recent"], entry["pending"]) == (0, 0, 0, 0)
    assert entry["round"] == {"number": 1, "title": "", "ends_at": None}  # opening starts round 1
    # Nothing posted yet: every table misses all six perspectives.
    assert len(entry["blind_spots"]) == 3
    assert all(len(missing) == 6 for missing in entry["blind_spots"].values())
    watcher.close()


def test_posts_phones_rounds_and_moderation_reach_the_dashboard(live_server, api, sockets, event):
    event_id, first, second = event
    watcher = dashboard(live_server, event_id)
    watcher.wait_for("event:update")
    table = first["tables"][0]["id"]
    me = api.join(first["code"], table)
    sockets(first["code"], "participant", me["token"])
    api.post(first["code"], me["token"], table, perspectives=["residents", "affordability"])
    waiting = api.join(second["code"], second["tables"][0]["id"])
    api.post(second["code"], waiting["token"], second["tables"][0]["id"])
    api.call("POST", f"/sessions/{first['code']}/rounds", first["facilitator_key"], 201,
             json={"minutes": 10, "title": "Oogst"})  # fmt: skip

    def settled(update):
        sessions = by_code(update)
        mine, other = sessions[first["code"]], sessions[second["code"]]
        return (
            mine["phones"] == 1
            and mine["insights"] == 1
            and mine["round"]["number"] == 2
            and other["pending"] == 1
        )

    update = by_code(watcher.wait_for("event:update", settled, timeout=6))
    mine = update[first["code"]]
    assert mine["recent"] == 1
    assert mine["round"]["title"] == "Oogst" and mine["round"]["ends_at"]
    assert sorted(mine["blind_spots"][str(table)]) == sorted(
        ["business_owners", "decision_process", "renovation_offer", "energy_network"]
    )
    assert update[second["code"]]["insights"] == 0  # waiting for approval is not shown yet
    watcher.close()


def test_a_busy_event_sends_at_most_one_update_a_second(live_server, api, event):
    event_id, first, _ = event
    watcher = dashboard(live_server, event_id)
    watcher.wait_for("event:update")
    started = time.monotonic()
    table = first["tables"][0]["id"]
    people = [api.join(first["code"], table)["token"] for _ in range(5)]
    for round_ in range(6):
        for token in people:
            api.post(first["code"], token, table, text=f"Inzicht {round_}")
    watcher.wait_for("event:update", lambda u: by_code(u)[first["code"]]["insights"] == 30, 6)
    elapsed = time.monotonic() - started
    updates = len(watcher.received("event:update")) - 1  # the first one came on connect
    # 30 posts (and 5 joins) made at most one update per started second, not one per post.
    assert 1 <= updates <= int(elapsed) + 1, (updates, elapsed)
    watcher.close()


def test_nothing_changed_sends_nothing(live_server, api, event):
    event_id, *_ = event
    watcher = dashboard(live_server, event_id)
    watcher.wait_for("event:update")
    time.sleep(2.5)
    assert len(watcher.received("event:update")) == 1
    watcher.close()


@pytest.mark.parametrize(
    ("auth", "code"),
    [
        ({"token": "wrong-token", "event": 1}, "wrong_token"),
        ({"event": 1}, "organiser_token_required"),
        ({"token": ORGANISER_TOKEN, "event": 999999}, "event_not_found"),
        ({"token": ORGANISER_TOKEN, "event": "1 OR 1=1"}, "event_not_found"),
        ({"token": ORGANISER_TOKEN, "event": 2**70}, "event_not_found"),
        ({"token": ORGANISER_TOKEN, "event": "\ud800"}, "malformed_json"),
        ({"token": ["not", "text"], "event": 1}, "organiser_token_required"),
    ],
)
def test_a_dashboard_with_a_wrong_token_or_event_is_refused(live_server, event, auth, code):
    assert refusal(live_server.url, {"role": "organiser", **auth})["code"] == code


def test_a_facilitator_key_does_not_open_the_dashboard(live_server, event):
    event_id, first, _ = event
    auth = {"role": "organiser", "token": first["facilitator_key"], "event": event_id}
    assert refusal(live_server.url, auth)["code"] == "wrong_token"


def test_the_dashboard_page_needs_the_organiser(client, api_client):
    event = api_client.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "E"}).json()
    anonymous = client.get(f"/o/events/{event['id']}/live")
    assert anonymous.status_code == 200 and 'name="token"' in anonymous.text  # the sign-in form
    assert "dashboard.js" not in anonymous.text
    client.post("/o/login", data={"token": ORGANISER_TOKEN})
    page = client.get(f"/o/events/{event['id']}/live")
    assert page.status_code == 200 and "dashboard.js" in page.text and "E</h1>" in page.text
    assert client.get("/o/events/999999/live").status_code == 404


def test_blind_spots_follow_posts_edits_and_hiding(app, api_client):
    """The overview reads only changed insights each tick; hiding one takes its coverage away."""
    from workshop import domain

    event = api_client.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "E"}).json()
    room = api_client.create_session(event_id=event["id"])
    code, key, table = room["code"], room["facilitator_key"], room["tables"][0]["id"]
    me = api_client.join(code, table)["token"]

    def missing() -> list[str]:
        with app.app_context():
            overview = domain.event_overview(domain.get_event(event["id"]), lambda ids: {})
            return overview["sessions"][0]["blind_spots"][str(table)]

    assert "residents" in missing()
    first = api_client.post(code, me, table, perspectives=["residents"]).json()
    second = api_client.post(code, me, table, perspectives=["residents", "energy_network"]).json()
    assert "residents" not in missing() and "energy_network" not in missing()
    hide = {"status": "hidden"}
    api_client.call("PATCH", f"/sessions/{code}/insights/{first['id']}", key, 200, json=hide)
    assert "residents" not in missing()  # the second insight still covers it
    api_client.call("PATCH", f"/sessions/{code}/insights/{second['id']}", key, 200, json=hide)
    assert {"residents", "energy_network"} <= set(missing())
