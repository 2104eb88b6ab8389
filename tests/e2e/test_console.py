"""The facilitator console in a real browser: approve, edit, merge, rounds, and what the wall shows."""

import re

from tests.e2e.conftest import LAPTOP, PHONE, WALL, online, screenshot


def still(page):
    """Scroll the console's columns back to the top and let arrival animations finish."""
    page.evaluate(
        "document.querySelectorAll('.console-side, .feed-panel, .tables-panel, .console-end')"
        ".forEach((column) => column.scrollTo(0, 0))"
    )
    page.wait_for_timeout(700)
    return page


def open_console(page_for, created):
    console = online(page_for(created["facilitator_url"], LAPTOP))
    return console


def test_approving_a_pending_insight_shows_it_on_the_wall(api, page_for):
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    table = created["tables"][0]
    api.call("PATCH", f"/sessions/{code}", key, 200, json={"settings": {"premoderation": True}})
    wall = online(page_for(created["wall_url"], WALL))
    console = open_console(page_for, created)
    assert "key=" not in console.url  # the key moved into the cookie

    me = api.join(code, table["id"], name="Marieke", organisation_type="owners_association")
    posted = api.post(code, me["token"], table["id"], "Eerst de VvE-besturen meenemen.").json()
    queued = console.locator(f'#pending .insight[data-id="{posted["id"]}"]')
    queued.wait_for()
    assert console.locator("#count-pending").inner_text() == "1"
    assert wall.locator(".insight").count() == 0
    screenshot(still(console), "console-pending")

    queued.locator('[data-action="approve"]').click()
    card = wall.locator(
        f'.wall-column[data-table-id="{table["id"]}"] .insight[data-id="{posted["id"]}"]'
    )
    card.wait_for()
    assert "Eerst de VvE-besturen meenemen." in card.inner_text()
    console.locator(f'#feed .insight[data-id="{posted["id"]}"]').wait_for()
    assert console.locator("#count-pending").inner_text() == "0"
    assert (
        console.locator(
            f'.table-row[data-table-id="{table["id"]}"] [data-table-count]'
        ).inner_text()
        == "1"
    )


def test_edit_merge_and_round_from_the_console(api, page_for):
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    tables = created["tables"]
    people = [
        api.join(code, tables[i % 3]["id"], name=n)
        for i, n in enumerate(["Eva", "Bram", "Sanne", "Joost"])
    ]
    texts = [
        "Bewoners vertrouwen de gemeente pas als ze zelf mee mogen beslisen.",
        "Met een VvE van 40 eigenaren duurt elk besluit een half jaar.",
        "Collectief inkopen scheelde ons 20% op de warmtepompen.",
        "Zelf mee beslissen geeft vertrouwen.",
    ]
    posted = [
        api.post(code, p["token"], tables[i % 3]["id"], texts[i]).json()
        for i, p in enumerate(people)
    ]
    voter = api.join(code, tables[0]["id"])
    api.call("POST", f"/sessions/{code}/insights/{posted[3]['id']}/vote", voter["token"], 200)
    api.call("PATCH", f"/sessions/{code}", key, 200, json={"settings": {"premoderation": True}})
    waiting = api.post(
        code, people[1]["token"], tables[1]["id"], "Kan de netbeheerder eerder aansluiten?"
    ).json()

    wall = online(page_for(created["wall_url"], WALL))
    console = open_console(page_for, created)
    second = open_console(page_for, created)  # a second facilitator sees every action live
    phone = page_for(tables[0]["join_url"], PHONE)

    # Fix a typo.
    first = console.locator(f'#feed .insight[data-id="{posted[0]["id"]}"]')
    first.locator('[data-action="edit"]').click()
    first.locator(".edit-form textarea").fill(texts[0].replace("beslisen", "beslissen"))
    first.locator(".edit-form button.primary").click()
    fixed = texts[0].replace("beslisen", "beslissen")
    wall.locator(f'.insight[data-id="{posted[0]["id"]}"] .insight-text', has_text=fixed).wait_for()
    second.locator(
        f'.insight[data-id="{posted[0]["id"]}"] .console-note', has_text="beslisen"
    ).wait_for()

    # Merge the fourth into the first: it leaves the wall, its vote moves over.
    duplicate = console.locator(f'#feed .insight[data-id="{posted[3]["id"]}"]')
    duplicate.locator('[data-action="merge"]').click()
    assert console.locator("#merge-banner").is_visible()
    first.locator('[data-action="merge-here"]').click()
    wall.locator(f'.insight[data-id="{posted[3]["id"]}"]').wait_for(state="detached")
    wall.locator(
        f'.insight[data-id="{posted[0]["id"]}"] [data-field="votes-count"]', has_text="1"
    ).wait_for()
    second.locator(f'.insight[data-id="{posted[3]["id"]}"].is-merged').wait_for()
    assert console.locator("#merge-banner").is_hidden()

    # Start a round with a timer, extend it, and see the countdown on the wall and the phone.
    console.fill("#round-name", "Oplossingen")
    console.fill("#round-minutes", "8")
    console.click("#round-form button")
    wall.locator("#round-label [data-round-number]", has_text="2").wait_for()
    console.click('#round-buttons [data-add="5"]')
    wall.wait_for_function(
        "() => /^1[23]:\\d\\d$/.test(document.getElementById('timer').textContent)"
    )
    second.wait_for_function(
        "() => /^1[23]:\\d\\d$/.test(document.getElementById('timer').textContent)"
    )
    phone.fill("#name", "Iris")
    phone.click("#join-form button")
    phone.wait_for_selector("#round-box:not([hidden])")
    assert re.fullmatch(r"1[23]:\d\d", phone.locator("#timer").inner_text())

    # Pin and spotlight; the second console shows what is in the spotlight.
    kept = console.locator(f'#feed .insight[data-id="{posted[2]["id"]}"]')
    kept.locator('[data-action="pin"]').click()
    wall.locator(f'.insight.is-pinned[data-id="{posted[2]["id"]}"]').wait_for()
    kept.locator('[data-action="spotlight"]').click()
    wall.wait_for_selector("#spotlight:not([hidden])")
    second.locator("#spotlight-text", has_text="Collectief inkopen").wait_for()
    screenshot(wall, "console-wall-spotlight")
    console.click("#release-spotlight")
    wall.wait_for_selector("#spotlight", state="hidden")
    assert console.locator(f'#pending .insight[data-id="{waiting["id"]}"]').is_visible()
    screenshot(still(console), "console")

    # Stop the round with the World Café hint on: wall and phone say "move to the next table".
    console.check('[data-setting="rotation_hint"]')
    console.click("#round-buttons [data-stop]")
    wall.wait_for_selector("#rotation-hint:not([hidden])")
    phone.wait_for_selector("#rotation-hint:not([hidden])")
    screenshot(wall, "console-wall-rotation")
    screenshot(phone, "console-phone-rotation")


def test_host_summary_and_closing_view(api, page_for):
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    table = created["tables"][1]
    wall = online(page_for(created["wall_url"], WALL))
    console = open_console(page_for, created)
    host_link = console.locator(
        f'.table-row[data-table-id="{table["id"]}"] [data-copy-host]'
    ).get_attribute("data-copy-host")
    host = page_for(host_link, PHONE)
    host.fill("#host", "Ingrid")
    host.fill(
        "#summary", "Gemengd bezit vraagt één regisseur per blok.\nBegin bij de VvE-voorzitters."
    )
    host.click("#host-form button")
    host.wait_for_selector(".banner-ok")
    screenshot(host, "console-host")
    console.locator(f'.table-row[data-table-id="{table["id"]}"] [data-summary-flag]').wait_for()

    console.select_option("#wall-view", "summaries")
    wall.wait_for_selector('.wall[data-view="summaries"] .wall-summaries')
    card = wall.locator(f'[data-summary-table="{table["id"]}"]')
    assert "één regisseur per blok" in card.inner_text() and "Ingrid" in card.inner_text()
    assert wall.locator(".wall-columns").is_hidden()
    screenshot(wall, "console-wall-summaries")

    # Rotating the key: this console keeps working with the new link; the old link is dead,
    # and a colleague's console with the old key says so instead of failing silently.
    colleague = open_console(page_for, created)
    console.click("#rotate-key")
    console.click("#rotate-yes")
    console.wait_for_selector("#new-key:not([hidden])")
    new_url = console.input_value("#new-key-url")
    assert new_url.startswith(created["wall_url"].replace("/w/", "/f/") + "?key=")
    online(console)
    console.select_option("#wall-view", "tables")
    wall.wait_for_selector('.wall[data-view="tables"]')
    assert console.locator("#revoked").is_hidden()
    colleague.wait_for_selector("#revoked:not([hidden])")
    assert api.call("PATCH", f"/sessions/{code}", key, json={"state": "paused"}).status_code == 403
    assert host_link != console.locator(
        f'.table-row[data-table-id="{table["id"]}"] [data-copy-host]'
    ).get_attribute("data-copy-host")


def test_cards_page_screenshot(api, page_for):
    created = api.create_session()
    page = page_for(
        created["facilitator_url"].replace("?key=", "/cards?key="), {"width": 1300, "height": 900}
    )
    page.wait_for_selector(".print-card img")
    assert page.locator("article.print-card").count() == 4
    screenshot(page, "console-cards-page")


def test_removing_a_table_takes_a_second_click(api, page_for):
    created = api.create_session()
    last = created["tables"][-1]["id"]
    console = page_for(created["facilitator_url"] + "&lang=en", LAPTOP)
    online(console)
    row = console.locator(f'.table-row[data-table-id="{last}"]')
    row.locator("summary").first.click()  # its "Edit" fold
    remove = row.locator("[data-remove]")
    label = remove.inner_text()
    remove.click()
    assert remove.inner_text() != label  # armed: it says what the second click does
    assert len(api.call("GET", f"/sessions/{created['code']}").json()["tables"]) == 3
    remove.click()
    row.wait_for(state="detached")
    assert len(api.call("GET", f"/sessions/{created['code']}").json()["tables"]) == 2
