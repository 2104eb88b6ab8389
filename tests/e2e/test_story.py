"""The whole story in one browser run, the way an Energy-Up session goes.

The organiser creates the event and the session from the template on the organiser page; the
facilitator's console opens and starts a round; three phones join through their table links, post
with kinds and perspectives and recognise each other's insights; the facilitator hides one and
spotlights another; the wall follows all of it live; the organiser downloads the report. Each
step leaves a screenshot in test-artifacts/.
"""

import io
import re

import docx

from tests.e2e.conftest import LAPTOP, PHONE, WALL, online, screenshot
from tests.support import ORGANISER_TOKEN

PHONES = [
    # (table index, name, organisation type, text, kind, perspectives)
    (
        0,
        "Fatima",
        "residents_initiative",
        "Keukentafelgesprekken door buren werkten beter dan elke folder.",
        "success",
        ["residents"],
    ),
    (
        1,
        "Marieke",
        "housing_corporation",
        "De VvE moet met twee derde instemmen; reken op een jaar.",
        "lesson",
        ["decision_process", "renovation_offer"],
    ),
    (
        2,
        "Ahmed",
        "advisor",
        "Collectief inkopen scheelt 20% op de warmtepomp.",
        "experience",
        ["affordability"],
    ),
]


def test_the_whole_session_from_organiser_to_report(live_server, api, page_for):
    # The organiser creates the event and the session from the wijkaanpak template.
    organiser = page_for(live_server.url + "/o/?lang=nl", LAPTOP, accept_downloads=True)
    organiser.fill("#token", ORGANISER_TOKEN)
    organiser.click("button.primary")
    organiser.fill("#event-name", "Energy-Up 2026")
    organiser.click("form:has(#event-name) button")
    organiser.select_option("#new-session-event", label="Energy-Up 2026")
    organiser.fill("#title", "Aan tafel met de wijkaanpak")
    organiser.select_option("#template", "wijkaanpak")
    organiser.click("form:has(#title) button")

    # It lands on the facilitator's console: the key went into the cookie, out of the address.
    console = organiser
    console.wait_for_url(re.compile(r"/f/[A-Z0-9]{6}$"))
    online(console)
    code = console.url.rsplit("/", 1)[-1]
    tables = api.call("GET", f"/sessions/{code}", expect=200).json()["tables"]

    wall = online(page_for(f"{live_server.url}/w/{code}", WALL))
    assert wall.locator(".wall-event").inner_text().lower() == "energy-up 2026"
    assert wall.locator(".wall-column h2").all_inner_texts() == [t["name"] for t in tables]
    assert len(tables) == 3
    screenshot(wall, "story-1-wall-empty")

    # The facilitator opens the session (round 1, untimed) and gives round 1 ten minutes.
    console.click('#state-buttons [data-state="open"]')
    wall.locator('#state-badge[data-state="open"]').wait_for()
    console.fill("#round-name", "Ervaringen")
    console.fill("#round-minutes", "10")
    console.click("#round-form button")
    wall.locator("#round-label [data-round-title]", has_text="Ervaringen").wait_for()
    assert wall.locator("#round-label [data-round-number]").inner_text() == "1"
    wall.locator("#timer:not([hidden])").wait_for()
    assert re.fullmatch(r"(10:00|9:5\d)", wall.locator("#timer").inner_text().strip())

    # Three phones join through their table links and post with a kind and perspectives.
    phones = []
    for index, name, organisation, text, kind, perspectives in PHONES:
        table = tables[index]
        phone = page_for(f"{live_server.url}/j/{code}/{table['id']}", PHONE)
        phone.fill("#name", name)
        phone.select_option("#organisation_type", organisation)
        phone.click("#join-form button")
        online(phone)
        phone.click(f'#kind-chips label:has(input[value="{kind}"])')
        for perspective in perspectives:
            phone.click(f'#perspective-chips label:has(input[value="{perspective}"])')
        phone.fill("#text", text)
        phone.click("#send")
        phone.wait_for_selector('.insight .delivery[data-state="delivered"]')
        phones.append(phone)
        column = wall.locator(f'.wall-column[data-table-id="{table["id"]}"]')
        card = column.locator(".insight", has_text=text)
        card.wait_for()
        assert name in card.inner_text()
    screenshot(phones[0], "story-2-phone")
    assert wall.locator("#count-insights").inner_text() == "3"

    # A second post at the first table, which a neighbour recognises.
    first_table = tables[0]
    phones[0].fill("#text", "Wie spreekt namens de huurders die nooit komen?")
    phones[0].click('#kind-chips label:has(input[value="question"])')
    phones[0].click("#send")
    question = wall.locator(".insight", has_text="Wie spreekt namens")
    question.wait_for()
    question_id = question.get_attribute("data-id")
    neighbour = page_for(f"{live_server.url}/j/{code}/{first_table['id']}", PHONE)
    neighbour.click("#join-form button")
    online(neighbour)
    neighbour.locator(f'.insight[data-id="{question_id}"] [data-vote]').click()
    wall.locator(
        f'.insight[data-id="{question_id}"] [data-field="votes-count"]:text("1")'
    ).wait_for()
    phones[0].locator(
        f'.insight[data-id="{question_id}"] [data-field="votes-count"]:text("1")'
    ).wait_for()

    # The facilitator hides an off-topic post and spotlights the question.
    neighbour.fill("#text", "Waar is de koffie?")
    neighbour.click("#send")
    off_topic = wall.locator(".insight", has_text="Waar is de koffie?")
    off_topic.wait_for()
    phones[0].locator(".insight", has_text="Waar is de koffie?").wait_for()
    console.locator("#feed .insight", has_text="Waar is de koffie?").locator(
        '[data-action="hide"]'
    ).click()
    off_topic.wait_for(state="detached")
    # The table's other phones lose it; its author sees it marked as hidden.
    phones[0].locator(".insight", has_text="Waar is de koffie?").wait_for(state="detached")
    neighbour.locator(".insight.is-hidden", has_text="Waar is de koffie?").wait_for()
    console.locator(f'#feed .insight[data-id="{question_id}"] [data-action="spotlight"]').click()
    wall.wait_for_selector("#spotlight:not([hidden])")
    assert "Wie spreekt namens" in wall.locator("[data-spotlight-text]").inner_text()
    assert "Fatima" in wall.locator("[data-spotlight-author]").inner_text()
    screenshot(wall, "story-3-wall-spotlight")
    console.click("#release-spotlight")
    wall.wait_for_selector("#spotlight", state="hidden")

    # A bright room: the console switches the wall to its light theme, live.
    console.click('[data-wall-theme="light"]')
    wall.wait_for_selector("body.theme-light:not(.theme-dark)")
    console.locator('[data-wall-theme="light"][aria-pressed="true"]').wait_for()
    screenshot(wall, "story-4-wall-light")
    screenshot(console, "story-5-console")

    # The organiser downloads the report (Word) from the organiser page.
    organiser = page_for(live_server.url + "/o/?lang=nl", LAPTOP, accept_downloads=True)
    organiser.fill("#token", ORGANISER_TOKEN)
    organiser.click("button.primary")
    row = organiser.locator(f"#session-{code}")
    assert row.locator("td.number").first.inner_text() == "4"  # the hidden one is not counted
    with organiser.expect_download() as download:
        row.locator("a", has_text="Word").click()
    report = docx.Document(io.BytesIO(download.value.path().read_bytes()))
    text = "\n".join(p.text for p in report.paragraphs)
    assert "Aan tafel met de wijkaanpak" in text
    assert "Wie spreekt namens de huurders die nooit komen?" in text
    assert "Collectief inkopen scheelt 20% op de warmtepomp." in text
    assert "Waar is de koffie?" not in text
    screenshot(organiser, "story-6-organiser")
