"""The core loop in a real browser: a phone joins from a table QR link, posts, and the wall shows it."""

from tests.e2e.conftest import PHONE, WALL, online, screenshot


def test_phone_post_appears_on_the_wall(api, page_for):
    created = api.create_session()
    table = created["tables"][1]
    wall = online(page_for(created["wall_url"], WALL))

    phone = page_for(table["join_url"], PHONE)
    assert phone.locator(f'input[name="table_id"][value="{table["id"]}"]').is_checked()
    phone.fill("#name", "Marieke")
    phone.select_option("#organisation_type", "housing_corporation")
    phone.click("#join-form button")
    phone.wait_for_selector("#compose")
    online(phone)
    phone.fill("#text", "VvE's beslissen pas als iedereen dezelfde cijfers ziet.")
    phone.click('label.chip:has(input[value="lesson"])')
    phone.click("#send")
    phone.wait_for_selector('.insight .delivery[data-state="delivered"]')

    card = wall.locator(f'.wall-column[data-table-id="{table["id"]}"] .insight').first
    card.wait_for()
    assert "VvE's beslissen pas" in card.inner_text()
    assert "Marieke" in card.inner_text()
    assert (
        wall.locator(f'.wall-column[data-table-id="{table["id"]}"] [data-table-count]').inner_text()
        == "1"
    )
    screenshot(wall, "core-wall")
    screenshot(phone, "core-phone")


def test_wall_renders_existing_insights_on_first_load(api, page_for):
    created = api.create_session()
    table = created["tables"][0]
    me = api.join(created["code"], table["id"], name="Ahmed")
    api.post(created["code"], me["token"], table["id"], "<script>alert('x')</script> blijft tekst")
    wall = page_for(created["wall_url"], WALL)
    text = wall.locator(".insight-text").first.inner_text()
    assert text == "<script>alert('x')</script> blijft tekst"
