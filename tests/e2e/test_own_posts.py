"""Own posts in headless Chromium: a phone posts, edits and withdraws, and the wall and the console
follow; a post withdrawn while still queued offline never reaches the server."""

import json

from tests.e2e.conftest import LAPTOP, PHONE, WALL, screenshot
from tests.e2e.test_offline import join as join_offline_ready
from tests.e2e.test_offline import stored

DELIVERED = '.insight.is-own .delivery[data-state="delivered"]'


def join(page, name="Marieke"):
    join_offline_ready(page, name)
    page.wait_for_selector('#connection[data-status="online"]')


def test_post_edit_and_withdraw_leave_the_wall(api, page_for):
    created = api.create_session()
    table = created["tables"][0]
    wall = page_for(created["wall_url"], WALL)
    wall.wait_for_selector('#connection[data-status="online"]')
    console = page_for(created["facilitator_url"], LAPTOP)
    console.wait_for_selector('#connection[data-status="online"]')
    phone = page_for(table["join_url"], PHONE)
    join(phone)
    strings = json.loads(phone.locator("#page-data").text_content())

    phone.fill("#text", "Bewoners wilen eerst de kosten zien.")
    phone.click("#send")
    phone.wait_for_selector(DELIVERED)
    column = wall.locator(f'.wall-column[data-table-id="{table["id"]}"]')
    column.locator(".insight").first.wait_for()

    card = phone.locator(".insight.is-own").first
    card.locator("[data-edit] summary").click()
    box = card.locator("[data-edit-form] textarea")
    assert box.input_value() == "Bewoners wilen eerst de kosten zien."
    box.fill("Bewoners willen eerst de kosten zien.")
    screenshot(phone, "own-posts-phone-edit")
    card.locator("[data-edit-form] button").click()
    phone.wait_for_function(
        "() => !document.querySelector('.insight.is-own [data-edit]').open"
    )  # the edit box closes once the server has it
    assert card.locator(".insight-text").inner_text() == "Bewoners willen eerst de kosten zien."
    wall.wait_for_function(
        "() => [...document.querySelectorAll('.wall-column .insight-text')]"
        ".some((el) => el.textContent === 'Bewoners willen eerst de kosten zien.')"
    )
    note = console.locator(".insight .console-note").first
    note.wait_for()
    assert "Bewoners wilen eerst" in note.inner_text()  # the facilitator sees the original
    screenshot(console, "own-posts-console-edited")

    # Withdraw asks first: the first tap only opens the confirmation.
    card.locator("[data-withdraw] summary").click()
    confirm = card.locator("[data-withdraw-form] button")
    confirm.wait_for()
    assert phone.locator(".insight.is-own").count() == 1
    screenshot(phone, "own-posts-phone-withdraw")
    confirm.click()
    phone.locator(".insight.is-own").wait_for(state="detached")
    column.locator(".insight").wait_for(state="detached")
    console.locator(".insight").first.wait_for(state="detached")
    assert column.locator("[data-table-count]").inner_text() in ("0", "")
    assert [i["status"] for i in stored(api, created)] == ["withdrawn"]
    # A reload shows it nowhere: not on the phone, not on the wall.
    phone.reload()
    phone.wait_for_selector('#connection[data-status="online"]')
    assert phone.locator(".insight").count() == 0
    assert phone.locator("#feed-empty").is_visible()
    wall.reload()
    wall.wait_for_selector('#connection[data-status="online"]')
    assert wall.locator(".wall-column .insight").count() == 0
    assert strings["code"] == created["code"]


def test_a_post_withdrawn_while_queued_offline_is_never_sent(api, page_for):
    created = api.create_session()
    table = created["tables"][0]
    phone = page_for(table["join_url"], PHONE)
    join(phone)
    phone.context.set_offline(True)
    phone.wait_for_function("() => navigator.onLine === false")
    phone.fill("#text", "Toch maar niet.")
    phone.click("#send")
    card = phone.locator('.insight.is-own[data-id^="local-"]')
    card.wait_for()
    card.locator("[data-withdraw] summary").click()
    card.locator("[data-withdraw-form] button").click()
    card.wait_for(state="detached")
    outbox = f"localStorage.getItem('aantafel:outbox:{created['code']}')"
    assert phone.evaluate(outbox) == "[]"

    phone.context.set_offline(False)
    phone.wait_for_selector('#connection[data-status="online"]', timeout=15000)
    phone.fill("#text", "Dit wel.")
    phone.click("#send")
    phone.wait_for_selector(DELIVERED)
    assert [i["text"] for i in stored(api, created)] == ["Dit wel."]


def test_withdraw_everything_from_the_settings(api, page_for):
    created = api.create_session()
    table = created["tables"][0]
    phone = page_for(table["join_url"], PHONE)
    join(phone)
    for text in ("Eerste punt", "Tweede punt"):
        phone.fill("#text", text)
        phone.click("#send")
    phone.wait_for_function(
        "() => document.querySelectorAll('.insight .delivery[data-state=delivered]').length === 2"
    )
    phone.click(".withdraw-all summary")
    phone.locator("#withdraw-all button").scroll_into_view_if_needed()
    screenshot(phone, "own-posts-phone-withdraw-all")
    phone.click("#withdraw-all button")
    phone.locator(".insight").first.wait_for(state="detached")
    phone.wait_for_selector("#feed-empty", state="visible")
    phone.wait_for_selector("#withdraw-all", state="hidden")  # the confirmation closes again
    assert {i["status"] for i in stored(api, created)} == {"withdrawn"}


def test_own_post_actions_pass_axe(api, page_for):
    """The edit and withdraw forms, open, on a card drawn live and on one drawn by the server."""
    from tests.e2e.test_accessibility import serious_violations

    created = api.create_session()
    phone = page_for(created["tables"][0]["join_url"], PHONE)
    join(phone)
    phone.fill("#text", "Toegankelijk voor iedereen.")
    phone.click("#send")
    phone.wait_for_selector(DELIVERED)
    for _ in range(2):
        card = phone.locator(".insight.is-own").first
        card.locator("[data-edit] summary").click()
        card.locator("[data-withdraw] summary").click()
        phone.click(".withdraw-all summary")
        assert serious_violations(phone) == []
        phone.reload()
        phone.wait_for_selector(DELIVERED)


def test_an_outbox_retry_of_a_withdrawn_post_does_not_bring_it_back(api, page_for):
    """Another tab (or an old outbox) still holds a post its author withdrew meanwhile."""
    created = api.create_session()
    table = created["tables"][0]
    phone = page_for(table["join_url"], PHONE)
    join(phone)
    phone.fill("#text", "Twee keer verstuurd, één keer ingetrokken.")
    phone.click("#send")
    phone.wait_for_selector(DELIVERED)
    posted = stored(api, created)[0]
    card = phone.locator(".insight.is-own").first
    card.locator("[data-withdraw] summary").click()
    card.locator("[data-withdraw-form] button").click()
    card.wait_for(state="detached")

    item = {"client_id": posted["client_id"], "table_id": table["id"], "text": posted["text"]}
    outbox = f"aantafel:outbox:{created['code']}"
    phone.evaluate(
        "([key, item]) => localStorage.setItem(key, JSON.stringify([item]))", [outbox, item]
    )
    phone.reload()
    phone.wait_for_function(f"() => localStorage.getItem('{outbox}') === '[]'", timeout=15000)
    assert phone.locator(".insight").count() == 0
    assert phone.input_value("#text") == ""  # not handed back as a draft to send again
    assert phone.locator("#state-banner").is_hidden()
    assert [i["status"] for i in stored(api, created)] == ["withdrawn"]
