"""A real room in a real browser: closing, the host page, the phone's join and post, the organiser."""

from tests.e2e.conftest import LAPTOP, PHONE, WALL, online, screenshot
from tests.e2e.test_accessibility import serious_violations
from tests.support import ORGANISER_TOKEN

ORGANISER_WIDE = {"width": 1366, "height": 768}


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


def test_joining_from_a_table_qr_shows_the_form_first_and_says_where_a_name_goes(api, page_for):
    created = api.create_session()
    table = created["tables"][2]
    phone = page_for(table["join_url"] + "?lang=nl", PHONE)
    assert "Jouw tafel: " + table["name"] in phone.locator(".join-table").inner_text()
    for field in ("#name", "#organisation_type", "#join-form button.primary"):
        box = phone.locator(field).bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], field  # above the fold
    note = phone.locator("#name-note")
    assert "op de wall en in het verslag" in note.inner_text() and note.is_visible()
    assert phone.locator(".table-choice-more").get_attribute("open") is None
    screenshot(phone, "room-phone-join-from-qr")
    phone.fill("#name", "Marieke")
    phone.click("#join-form button.primary")
    online(phone)
    assert table["name"] in phone.locator(".phone-table").inner_text()

    phone.check('input[name="anonymous"]')
    phone.fill("#text", "Zonder naam: de VvE-voorzitter beslist alles alleen.")
    phone.click("#send")
    mine = phone.locator(".insight.is-own")
    mine.locator('.delivery[data-state="delivered"]').wait_for()
    assert mine.locator(".author").inner_text() == "anoniem"
    mine.scroll_into_view_if_needed()
    screenshot(phone, "room-phone-anonymous-post")
    phone.reload()
    assert phone.locator(".insight.is-own .author").inner_text() == "anoniem"

    console = online(page_for(created["facilitator_url"] + "&lang=nl", LAPTOP))
    card = console.locator(".insight", has_text="de VvE-voorzitter beslist")
    assert card.locator(".author").inner_text() == "anoniem"
    api.post(
        created["code"],
        api.join(created["code"], table["id"], name="Kees")["token"],
        table["id"],
        "Met naam gepost.",
        anonymous=True,
    )
    live = console.locator(".insight", has_text="Met naam gepost.")
    live.wait_for()
    assert live.locator(".author").inner_text() == "anoniem"
    console.wait_for_timeout(700)  # arrival animation
    screenshot(console, "room-console-anonymous")


def test_the_plain_join_page_still_lists_every_table(api, page_for):
    created = api.create_session()
    phone = page_for(created["join_url"], PHONE)
    assert phone.locator(".table-choice .table-option").count() == 3
    assert phone.locator(".join-table").count() == 0


def test_the_host_page_shows_the_tables_insights_live_most_recognised_first(api, page_for):
    created = api.create_session()
    code, table = created["code"], created["tables"][0]
    console = online(page_for(created["facilitator_url"], LAPTOP))
    link = console.locator(
        f'.table-row[data-table-id="{table["id"]}"] [data-copy-host]'
    ).get_attribute("data-copy-host")
    eva, bram = (api.join(code, table["id"], name=n) for n in ("Eva", "Bram"))
    api.post(code, eva["token"], table["id"], "Eerst gedeeld, nog niet herkend.")
    host = online(page_for(link + "?lang=nl", PHONE))
    assert host.locator("#feed .insight").count() == 1
    later = api.post(code, eva["token"], table["id"], "Later gedeeld, straks herkend.").json()
    host.locator("#feed .insight", has_text="Later gedeeld").wait_for()
    api.call("POST", f"/sessions/{code}/insights/{later['id']}/vote", bram["token"], 200)
    host.locator('#feed .insight:first-child [data-field="votes-count"]:text("1")').wait_for()
    texts = host.locator("#feed .insight-text").all_inner_texts()
    assert texts == ["Later gedeeld, straks herkend.", "Eerst gedeeld, nog niet herkend."]
    assert host.locator("#insight-count").inner_text() == "2"
    host.wait_for_timeout(700)  # arrival animation done: axe reads the final colours
    assert serious_violations(host) == []
    host.locator("#feed").scroll_into_view_if_needed()
    screenshot(host, "room-host-insights")


def test_organiser_page_follows_the_new_event_and_the_template_and_links_each_session(
    live_server, api, page_for
):
    page = page_for(live_server.url + "/o/?lang=nl", ORGANISER_WIDE)
    page.fill("#token", ORGANISER_TOKEN)
    page.press("#token", "Enter")
    page.fill("#event-name", "Energy-Up 2027")
    page.click("text=Evenement aanmaken")
    page.wait_for_selector(".banner-success")
    chosen = page.locator("#new-session-event option:checked").inner_text()
    assert chosen == "Energy-Up 2027"
    assert page.input_value("#title") == "Aan tafel met de wijkaanpak"
    page.select_option("#language", "en")
    assert page.input_value("#title") == "At the table with the neighbourhood approach"
    page.select_option("#language", "nl")
    page.fill("#title", "Middagronde")
    page.select_option("#language", "en")
    assert page.input_value("#title") == "Middagronde"  # typed by the organiser: kept
    page.select_option("#language", "nl")
    page.click("#new-session-form button")
    page.wait_for_url("**/f/*")
    code = page.url.split("/f/")[1].split("?")[0]
    session = api.call("GET", f"/sessions/{code}", expect=200).json()
    assert session["title"] == "Middagronde" and session["event_id"]

    page.goto(live_server.url + "/o/?lang=nl")
    row = page.locator(f"#session-{code}")
    assert row.locator("a", has_text="Wall").get_attribute("href").endswith(f"/w/{code}")
    assert row.locator("a", has_text="Deelnamelink").get_attribute("href").endswith(f"/j/{code}")
    screenshot(page, "room-organiser-1366")


def test_console_state_steps_fit_at_laptop_widths(api, page_for):
    created = api.create_session()
    for width in (1366, 1440):
        console = online(
            page_for(created["facilitator_url"] + "&lang=nl", {"width": width, "height": 800})
        )
        clipped = console.evaluate(
            """() => {
                const panel = document.querySelector('#state-steps').parentElement.getBoundingClientRect();
                return [...document.querySelectorAll('#state-steps li')]
                  .filter((li) => li.getBoundingClientRect().right > panel.right - 1
                    || li.scrollWidth > li.clientWidth + 1)
                  .map((li) => li.textContent);
            }"""
        )
        assert clipped == [], (width, clipped)
        console.locator("#state-steps").screenshot(
            path=str(
                screenshot(console, f"room-console-{width}").with_name(
                    f"room-console-steps-{width}.png"
                )
            )
        )
