"""Never lose a post, in headless Chromium: offline posting, a closed tab, a paused session and a
phone without JavaScript."""

import json

from tests.e2e.conftest import PHONE, WALL, online, screenshot

DELIVERED = '.insight .delivery[data-state="delivered"]'
WAITING = '.insight .delivery[data-state="waiting"]'


def join(page, name="Marieke"):
    page.fill("#name", name)
    page.click("#join-form button")
    page.wait_for_selector("#compose")


def stored(api, created) -> list[dict]:
    return api.call(
        "GET", f"/sessions/{created['code']}/insights", created["facilitator_key"], 200
    ).json()["insights"]


def test_offline_post_waits_and_is_delivered_when_back_online(api, page_for):
    created = api.create_session()
    table = created["tables"][0]
    wall = online(page_for(created["wall_url"], WALL))
    phone = page_for(table["join_url"], PHONE)
    join(phone)
    online(phone)

    phone.context.set_offline(True)
    phone.wait_for_selector('#connection[data-status="offline"]')
    phone.fill("#text", "Geschreven in de kelder zonder bereik.")
    phone.click("#send")
    phone.wait_for_selector(WAITING)
    waiting = json.loads(phone.locator("#page-data").text_content())["strings"]["waiting"]
    assert phone.locator(WAITING).inner_text() == waiting  # "waiting for network", translated
    assert phone.input_value("#text") == ""  # the text lives in the outbox now, shown as a card
    screenshot(phone, "offline-phone-waiting")

    phone.context.set_offline(False)
    phone.wait_for_selector(DELIVERED, timeout=15000)
    cards = phone.locator(".insight")
    assert cards.count() == 1  # the local card became the server's, not a second one
    assert cards.first.get_attribute("data-id").isdigit()
    assert phone.evaluate(f"localStorage.getItem('aantafel:outbox:{created['code']}')") == "[]"
    wall_card = wall.locator(f'.wall-column[data-table-id="{table["id"]}"] .insight')
    wall_card.first.wait_for()
    assert wall_card.count() == 1 and "in de kelder" in wall_card.first.inner_text()
    assert [i["text"] for i in stored(api, created)] == ["Geschreven in de kelder zonder bereik."]
    screenshot(phone, "offline-phone-delivered")


def test_a_post_queued_in_a_closed_tab_is_sent_when_the_page_opens_again(api, page_for):
    created = api.create_session()
    table = created["tables"][0]
    phone = page_for(table["join_url"], PHONE)
    join(phone)
    online(phone)
    context = phone.context
    context.set_offline(True)
    phone.wait_for_function("navigator.onLine === false")  # the page has seen it, as a phone would
    phone.fill("#text", "Getypt in de trein, tab dicht voor de halte.")
    phone.click("#send")
    phone.wait_for_selector(WAITING)
    phone.close()
    assert stored(api, created) == []

    context.set_offline(False)
    again = context.new_page()
    again.goto(table["join_url"])
    again.wait_for_selector(DELIVERED, timeout=15000)
    assert again.locator(".insight").count() == 1
    assert [i["text"] for i in stored(api, created)] == [
        "Getypt in de trein, tab dicht voor de halte."
    ]
    # One more reload: the post is there once, from the server, and nothing is queued.
    again.reload()
    again.wait_for_selector(DELIVERED)
    assert again.locator(".insight").count() == 1
    assert len(stored(api, created)) == 1


def test_a_paused_session_keeps_the_text_until_it_reopens(api, page_for):
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    table = created["tables"][0]
    phone = page_for(table["join_url"], PHONE)
    join(phone)
    online(phone)
    api.call("PATCH", f"/sessions/{code}", key, 200, json={"state": "paused"})
    phone.wait_for_selector("#state-banner:not([hidden])")
    phone.fill("#text", "Even wachten tot de pauze voorbij is.")
    phone.click("#send")
    phone.wait_for_selector(WAITING)
    phone.reload()  # still queued after a reload, shown once
    phone.wait_for_selector(WAITING)
    assert phone.locator(".insight").count() == 1
    assert stored(api, created) == []
    screenshot(phone, "offline-phone-paused")

    api.call("PATCH", f"/sessions/{code}", key, 200, json={"state": "open"})
    phone.wait_for_selector(DELIVERED, timeout=15000)
    assert phone.locator(".insight").count() == 1
    assert [i["text"] for i in stored(api, created)] == ["Even wachten tot de pauze voorbij is."]


def test_wall_catches_up_after_being_offline(api, page_for):
    """Posts, an edit, a hide and a vote while the wall is offline: it catches up without reload."""
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    table = created["tables"][0]
    author = api.join(code, table["id"], name="Ahmed")
    voter = api.join(code, table["id"])
    kept = api.post(code, author["token"], table["id"], "Blijft staan").json()
    hidden = api.post(code, author["token"], table["id"], "Gaat weg").json()
    wall = online(page_for(created["wall_url"], WALL))
    wall.evaluate("window.__sameDocument = true")  # gone if the page reloads

    wall.context.set_offline(True)
    wall.wait_for_selector('#connection[data-status="offline"]')
    late = api.post(code, author["token"], table["id"], "Terwijl de beamer uit stond").json()
    api.call(
        "PATCH", f"/sessions/{code}/insights/{kept['id']}", key, 200, json={"text": "Bijgewerkt"}
    )
    api.call(
        "PATCH", f"/sessions/{code}/insights/{hidden['id']}", key, 200, json={"status": "hidden"}
    )
    api.call("POST", f"/sessions/{code}/insights/{kept['id']}/vote", voter["token"], 200)
    wall.context.set_offline(False)

    wall.wait_for_selector(f'.insight[data-id="{late["id"]}"]', timeout=15000)
    wall.wait_for_selector(f'.insight[data-id="{hidden["id"]}"]', state="detached")
    card = wall.locator(f'.insight[data-id="{kept["id"]}"]')
    card.locator('[data-field="votes-count"]:has-text("1")').wait_for()
    assert card.locator(".insight-text").inner_text() == "Bijgewerkt"
    assert wall.locator(".insight").count() == 2
    assert wall.evaluate("window.__sameDocument") is True


def test_without_javascript_the_phone_is_a_plain_form(api, page_for):
    created = api.create_session()
    table = created["tables"][1]
    neighbour = api.join(created["code"], table["id"], name="Joost")
    api.post(created["code"], neighbour["token"], table["id"], "Van de buurman aan tafel")
    phone = page_for(table["join_url"], PHONE, java_script_enabled=False)
    assert phone.locator(f'input[name="table_id"][value="{table["id"]}"]').is_checked()
    join(phone, "Noor")
    assert "Van de buurman aan tafel" in phone.locator("#feed").inner_text()

    client_id = phone.locator('#compose input[name="client_id"]').get_attribute("value")
    phone.fill("#text", "Zonder JavaScript gaat het ook.")
    form = {
        "csrf_token": phone.locator('#compose input[name="csrf_token"]').get_attribute("value"),
        "client_id": client_id,
        "table_id": str(table["id"]),
        "text": "Zonder JavaScript gaat het ook.",
    }
    phone.dblclick("#send")  # an impatient double tap
    phone.wait_for_selector('.insight:has-text("Zonder JavaScript gaat het ook.")')
    # The browser sends the very same form again (back button, resubmit): stored once.
    again = phone.context.request.post(
        f"{api.base.removesuffix('/api/v1')}/j/{created['code']}/post", form=form
    )
    assert again.ok
    phone.reload()
    feed = phone.locator("#feed").inner_text()
    assert feed.count("Zonder JavaScript gaat het ook.") == 1
    assert "Van de buurman aan tafel" in feed
    mine = [i for i in stored(api, created) if i["text"] == "Zonder JavaScript gaat het ook."]
    assert len(mine) == 1 and mine[0]["client_id"] == client_id
    # The next form carries a new client id: a second post is a new post.
    assert phone.locator('#compose input[name="client_id"]').get_attribute("value") != client_id
    screenshot(phone, "nojs-phone")
