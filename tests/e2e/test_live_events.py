"""The browser's live layer and the server agree: event names, and how insights are applied."""

import random

from tests.e2e.conftest import WALL, online
from tests.support import InsightMirror
from workshop.realtime import rooms


def test_the_browsers_event_names_are_the_servers(api, page_for):
    created = api.create_session()
    wall = online(page_for(created["wall_url"], WALL))
    events = wall.evaluate("import('/static/js/live.js').then((live) => ({ ...live.EVENTS }))")
    assert events == rooms.EVENT_NAMES


def insight_events(count: int, seed: int) -> list:
    """Live and resync payloads in a shuffled order: new, stale, repeated, stub, hidden, bad."""
    chooser = random.Random(seed)
    events = [None, {"id": "7"}, {"text": "no id"}]
    for _ in range(count):
        payload = {"id": chooser.randint(1, 5), "seq": chooser.randint(0, 6)}
        if chooser.random() < 0.2:
            del payload["seq"]
        if chooser.random() < 0.6:  # a full payload; else a stub (no text), as a table sees it
            payload |= {"text": f"tekst {chooser.randint(1, 3)}", "votes": chooser.randint(0, 4)}
        payload["status"] = chooser.choice(["visible", "visible", "hidden", "pending"])
        events.append(payload)
    return events


def test_the_test_mirror_applies_insights_as_live_js_does(api, page_for):
    """InsightMirror (tests/support/sockets.py) and live.js's apply() agree, event for event."""
    created = api.create_session()
    wall = online(page_for(created["wall_url"], WALL))
    for seed in range(5):
        events = insight_events(150, seed)
        in_browser = wall.evaluate(
            """async ([code, events]) => {
                const live = await import('/static/js/live.js');
                const store = live.connectLive({ code, role: 'wall', handlers: {} });
                const applied = events.map((payload) => store.apply(payload));
                store.socket.disconnect();
                return { applied, insights: Object.fromEntries(store.insights) };
            }""",
            [created["code"], events],
        )
        mirror = InsightMirror()
        applied = [mirror.apply(payload) for payload in events]
        assert applied == in_browser["applied"], seed
        assert mirror.insights == {int(i): p for i, p in in_browser["insights"].items()}, seed
