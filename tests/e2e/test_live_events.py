"""The browser's Socket.IO event names are the server's: live.js takes them from the page data."""

from tests.e2e.conftest import WALL
from workshop.realtime import rooms


def test_the_browsers_event_names_are_the_servers(api, page_for):
    created = api.create_session()
    wall = page_for(created["wall_url"], WALL)
    wall.wait_for_selector('#connection[data-status="online"]')
    events = wall.evaluate("import('/static/js/live.js').then((live) => ({ ...live.EVENTS }))")
    assert events == rooms.EVENT_NAMES
