"""A real room in a real browser: closing, the host page, the phone's join and post, the organiser."""

from tests.e2e.conftest import LAPTOP, PHONE, WALL, screenshot

ORGANISER_WIDE = {"width": 1366, "height": 768}


def online(page):
    page.wait_for_selector('#connection[data-status="online"]')
    return page


def test_closing_stops_the_wall_timer_and_takes_down_the_join_panel(api, page_for):
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    api.call("POST", f"/sessions/{code}/rounds", key, 201, json={"minutes": 10})
    wall = online(page_for(created["wall_url"], WALL))
    wall.wait_for_selector("#timer:not([hidden])")
    assert wall.locator(".wall-join").is_visible()
    api.call("PATCH", f"/sessions/{code}", key, 200, json={"state": "closed"})
    wall.wait_for_selector('#state-badge[data-state="closed"]')
    wall.wait_for_selector("#timer", state="hidden")
    assert wall.locator(".wall-join").is_hidden()
    screenshot(wall, "room-wall-closed")
    # A wall opened after closing shows neither.
    later = online(page_for(created["wall_url"], WALL))
    assert later.locator("#timer").is_hidden() and later.locator(".wall-join").is_hidden()


def test_a_phase_chosen_for_one_post_does_not_stick_to_the_next(api, page_for):
    created = api.create_session()
    code, table = created["code"], created["tables"][0]
    phone = page_for(table["join_url"], PHONE)
    phone.click("#join-form button")
    online(phone)
    phone.click('#kind-chips label:has(input[value="lesson"])')
    phone.select_option("#phase", "phase_6")
    phone.fill("#text", "Nazorg vraagt een vast aanspreekpunt.")
    phone.click("#send")
    phone.wait_for_selector('.insight .delivery[data-state="delivered"]')
    assert phone.locator("#phase").input_value() == ""
    phone.click('#kind-chips label:has(input[value="lesson"])')  # untick the kind it kept
    phone.click('#kind-chips label:has(input[value="frustration"])')
    phone.fill("#text", "De subsidie kwam te laat.")
    phone.click("#send")
    phone.wait_for_selector('.insight .delivery[data-state="delivered"] >> nth=1')
    phone.reload()
    online(phone)
    assert phone.locator("#phase").input_value() == ""  # not brought back from storage either
    insights = api.call("GET", f"/sessions/{code}/insights", expect=200).json()["insights"]
    assert [(i["kind"], i["phase"]) for i in insights] == [
        ("lesson", "phase_6"),
        ("frustration", None),
    ]
