"""The live event dashboard in a browser: an organiser watches an event's sessions change."""

from tests.e2e.conftest import LAPTOP, screenshot
from tests.support import ORGANISER_TOKEN


def test_organiser_watches_the_event_live(live_server, api, sockets, page_for):
    event = api.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up 2026"})
    event_id = event.json()["id"]
    created = api.create_session(event_id=event_id)
    api.create_session(title="Warmtenet <b>Noord</b>", event_id=event_id, state="draft")
    table = created["tables"][0]["id"]

    page = page_for(live_server.url + "/o/?lang=en", LAPTOP)
    page.fill("#token", ORGANISER_TOKEN)
    page.click("text=Sign in")
    page.locator(f"#event-{event_id}").get_by_role("link", name="Live dashboard").click()
    page.wait_for_selector(f"[data-code='{created['code']}']")
    card = page.locator(f"[data-code='{created['code']}']")
    assert card.locator("[data-insights]").inner_text() == "0"
    assert "Warmtenet <b>Noord</b>" in page.locator(".dashboard-card h3").nth(1).inner_text()

    me = api.join(created["code"], table, name="Joost")
    sockets(created["code"], "participant", me["token"])
    api.post(created["code"], me["token"], table, perspectives=["residents"])
    page.wait_for_function(
        "code => document.querySelector(`[data-code='${code}'] [data-insights]`).textContent === '1'",
        arg=created["code"],
        timeout=5000,
    )
    assert card.locator("[data-phones]").inner_text() == "1"
    assert card.locator("[data-recent]").inner_text() == "1"
    first_table = card.locator("[data-tables] li").first.inner_text()
    assert first_table.startswith("Representatie van bewoners") and "Residents" not in first_table
    assert (
        "Sessions: 2 · Phones online: 1 · Insights: 1"
        in page.locator("#dashboard-totals").inner_text()
    )
    assert page.locator("#connection").get_attribute("data-status") == "online"
    screenshot(page, "event-dashboard")
