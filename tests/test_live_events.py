"""One list of Socket.IO event names: the server's (workshop/realtime/rooms.py), given to the
browser in every live page's data, and the only names the JavaScript uses."""

import json
import re
from pathlib import Path

import pytest

from workshop.realtime import rooms

JS = Path(__file__).resolve().parent.parent / "static" / "js"


def page_events(html: str) -> dict:
    data = html.split('id="page-data">', 1)[1].split("</script>", 1)[0]
    return json.loads(data)["events"]


@pytest.mark.parametrize("page", ["wall", "phone", "console", "host"])
def test_every_live_page_gives_the_browser_the_servers_event_names(client, api_client, page):
    from workshop import domain

    created = api_client.create_session()
    code, key, table = created["code"], created["facilitator_key"], created["tables"][0]
    with client.application.app_context():
        session = domain.get_session(code)
        host_token = domain.host_token(session, domain.get_table(session, table["id"]))
    path = {
        "wall": f"/w/{code}",
        "phone": f"/j/{code}",
        "console": f"/f/{code}?key={key}",
        "host": f"/h/{code}/{table['id']}/{host_token}",
    }[page]
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    events = page_events(response.get_data(as_text=True))
    assert events == rooms.EVENT_NAMES
    assert set(events.values()) == set(rooms.SERVER_EVENTS + rooms.CLIENT_EVENTS)


def test_the_javascript_names_no_event_of_its_own():
    """Scripts use EVENTS.<NAME> from the page data: each name exists, and no event name is
    spelled out as a string (as wall.js once did with "session:update")."""
    used, spelled = set(), []
    for script in JS.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bEVENTS\.([A-Z_]+)", text))
        spelled += [
            f"{script.name}: {name}"
            for name in rooms.SERVER_EVENTS + rooms.CLIENT_EVENTS
            if f'"{name}"' in text or f"'{name}'" in text
        ]
    assert used and used <= set(rooms.EVENT_NAMES), used - set(rooms.EVENT_NAMES)
    # "spotlight" and "resync" are also words of the HTTP API and the page (ids, actions).
    assert not [s for s in spelled if not s.endswith((": spotlight", ": resync"))], spelled
