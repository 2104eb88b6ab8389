"""The published page in real Chromium: hostile text stays text, axe finds nothing serious, it
prints to PDF with its text, it reads at phone and laptop widths, and the organiser makes it in
the browser (story edited and saved, session published) without writing any JSON.
"""

import subprocess
import uuid

import pytest
import requests

from tests.e2e.conftest import ARTIFACTS, LAPTOP, PHONE, screenshot
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_xss import NAME, PAYLOADS, QUESTION, TABLE, TITLE, Watched
from tests.support import ORGANISER_TOKEN

DESKTOP = {"width": 1280, "height": 800}
STORY = (
    "## Wat we leerden\n\n**Vertrouwen** komt te voet.\n\n"
    "<script>window.__xss=1</script>\n\n"
    '<img src=x onerror="window.__xss=1">\n\n'
    "[klik hier](javascript:window.__xss=1)\n\n" + "\n\n".join(PAYLOADS)
)


def publish(api, created, listed=False) -> str:
    answer = api.call(
        "PUT",
        f"/sessions/{created['code']}/publication",
        created["facilitator_key"],
        200,
        json={"listed": listed},
    )
    return answer.json()["url"]


@pytest.fixture(scope="module")
def hostile_page(api):
    """A published session whose every text is a payload: title, table, question, names, posts."""
    created = api.create_session(
        title=TITLE, template=None, tables=[{"name": TABLE, "question": QUESTION}]
    )
    code, table = created["code"], created["tables"][0]["id"]
    me = api.join(code, table, name=NAME, organisation=NAME, quote_consent="name")
    voter = api.join(code, table, name="Stemmer")
    for text in PAYLOADS:
        posted = api.post(code, me["token"], table, text)
        assert posted.status_code == 201, posted.text
        api.call("POST", f"/sessions/{code}/insights/{posted.json()['id']}/vote", voter["token"])
    api.call("PUT", f"/sessions/{code}/tables/{table}/story", created["facilitator_key"], 200,
             json={"text": STORY})  # fmt: skip
    return publish(api, created)


def test_payloads_on_the_published_page_are_text(browser, hostile_page):
    watched = Watched(browser, hostile_page, PHONE)
    try:
        page = watched.page
        page.wait_for_load_state("networkidle")
        quotes = {t.strip() for t in page.locator(".quote-text").all_text_contents()}
        for text in PAYLOADS:
            assert text.strip() in quotes, text
        story = page.locator(".story").inner_text()
        assert "<script>window.__xss=1</script>" in story
        assert '<img src=x onerror="window.__xss=1">' in story
        body = page.locator("body").inner_text()
        assert QUESTION in body and TABLE in body and NAME in body
        assert TITLE in page.title()
        injected = page.locator(
            "main script, main iframe, main img, main svg, main [onerror], main [onload], "
            "main [onmouseover], a[href^='javascript'], script"
        )
        assert injected.count() == 0
        # A very long word wraps inside its quote instead of widening the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        watched.assert_clean()
    finally:
        watched.close()


@pytest.fixture(scope="module")
def seed_page(api):
    """The seed session published: three tables, quotes with consent, one story saved."""
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    tables = [t["id"] for t in created["tables"]]
    tijs = api.join(code, tables[0], name="Tijs van Gisbergen", role="projectleider",
                    organisation="gemeente Tilburg", quote_consent="name")  # fmt: skip
    fatima = api.join(code, tables[0], name="Fatima", organisation_type="residents_initiative")
    zaal = api.join(code, tables[1], name="Alleen Zaal", quote_consent="room")
    posts = [
        (tijs, tables[0], "Het VvE-Transitiecentrum helpt eigenaren één voor één.", ["residents"]),
        (fatima, tables[0], "Keukentafelgesprekken door buren werkten beter dan folders.",
         ["residents", "affordability"]),
        (zaal, tables[1], "Dit blijft in de zaal.", ["business_owners"]),
        (fatima, tables[2], "Een collectieve inkoop in Barneveld maakte het betaalbaar.",
         ["affordability"]),
    ]  # fmt: skip
    for who, table, text, perspectives in posts:
        posted = api.post(code, who["token"], table, text, perspectives=perspectives)
        assert posted.status_code == 201
        if who is tijs:
            api.call("POST", f"/sessions/{code}/insights/{posted.json()['id']}/vote",
                     fatima["token"], 200)  # fmt: skip
    api.call("PUT", f"/sessions/{code}/tables/{tables[0]}/story", key, 200,
             json={"text": "## Wat we leerden\n\nEigenaren doen mee als de **buren** beginnen."})  # fmt: skip
    return publish(api, created)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_published_page_has_no_serious_accessibility_issue(page_for, seed_page, language):
    for viewport in (PHONE, DESKTOP):
        page = page_for(f"{seed_page}?lang={language}", viewport)
        assert serious_violations(page) == [], (language, viewport)


def test_the_page_reads_on_a_phone_and_a_laptop(page_for, seed_page):
    phone = page_for(seed_page, PHONE)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    body = phone.locator("body").inner_text()
    assert "— Tijs van Gisbergen, projectleider, gemeente Tilburg" in body
    assert "Dit blijft in de zaal." not in body and "Alleen Zaal" not in body
    assert "Fatima" not in body  # no consent for her name
    font = phone.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.quote-text')).fontSize)"
    )
    assert font >= 16
    screenshot(phone, "published-phone")
    phone.screenshot(path=str(ARTIFACTS / "published-phone-full.png"), full_page=True)
    laptop = page_for(seed_page, DESKTOP)
    width = laptop.evaluate(
        "document.querySelector('.published-table').getBoundingClientRect().width"
    )
    assert width <= 46 * 16 + 1  # a readable measure, not the whole screen
    screenshot(laptop, "published-laptop")
    laptop.screenshot(path=str(ARTIFACTS / "published-laptop-full.png"), full_page=True)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_page_prints_to_pdf_with_its_text(page_for, seed_page, tmp_path):
    page = page_for(seed_page, DESKTOP)
    page.emulate_media(media="print")
    assert page.locator(".language-switch").is_hidden()
    assert page.locator(".print-only").first.is_visible()  # the page's address on paper
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF")
    text = " ".join(pdf_text(pdf, tmp_path).split())
    for expected in (
        "Aan tafel met de wijkaanpak",
        "Representatie van bewoners",
        "Eigenaren doen mee als de buren beginnen.",
        "Het VvE-Transitiecentrum helpt eigenaren één voor één.",
        "Tijs van Gisbergen, projectleider, gemeente Tilburg",
        "Perspectieven die aan bod kwamen",
        seed_page,
    ):
        assert expected in text, expected
    assert "Dit blijft in de zaal." not in text


def test_the_organiser_edits_a_story_and_publishes_in_the_browser(api, page_for, live_server):
    created = api.create_session(title=f"Browsersessie {uuid.uuid4().hex[:4]}")
    code = created["code"]
    page = page_for(live_server.url + "/o/?lang=nl", LAPTOP)
    page.fill("#token", ORGANISER_TOKEN)
    page.click("button.primary")
    page.click(f"#session-{code} >> text=Verhalen en publiceren")
    first = page.locator(".story-panel").first
    assert first.locator("[data-story='draft']").is_visible()
    first.locator("textarea").fill("## Ons verhaal\n\nBewoners **eerst**, dan de techniek.")
    first.locator("button[value='save']").click()
    page.wait_for_selector(".story-panel [data-story='saved']")
    assert "Verhaal opgeslagen." in page.locator("[role=status]").inner_text()
    page.check("input[name=listed]")
    page.click("#publication button[value='publish']")
    link = page.locator("#published-url")
    url = link.inner_text()
    assert url.startswith(live_server.url + "/p/")
    published = page_for(url, PHONE)
    assert published.locator(".story strong").inner_text() == "eerst"
    assert published.locator("meta[name=robots]").count() == 0  # listed
    screenshot(page, "stories-editor")
    page.click("#publication button[value='unpublish']")
    page.wait_for_selector("#published-url", state="detached")
    assert requests.get(url, timeout=10).status_code == 404


def test_the_stories_editor_has_no_serious_accessibility_issue(api, page_for):
    created = api.create_session()
    with_key = created["facilitator_url"].replace("?key=", "/stories?key=")
    page = page_for(with_key, LAPTOP)
    page.wait_for_selector(".story-panel textarea")
    assert "key=" not in page.url  # the key left the address bar, as on the console
    assert serious_violations(page) == []
    phone = page_for(with_key, PHONE)
    assert serious_violations(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "stories-editor-phone")


def test_an_event_page_reads_and_passes_axe(api, page_for):
    event = api.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up 2026"})
    event_id = event.json()["id"]
    for title in ("Ochtend", "Middag"):
        created = api.create_session(title=title, event_id=event_id)
        me = api.join(created["code"], created["tables"][0]["id"], organisation_type="municipality")
        api.post(
            created["code"], me["token"], created["tables"][0]["id"], f"Inzicht van de {title}."
        )
        publish(api, created)
    url = api.call("PUT", f"/events/{event_id}/publication", ORGANISER_TOKEN, 200, json={}).json()[
        "url"
    ]
    page = page_for(url, PHONE)
    assert [h.strip() for h in page.locator(".published-session > h2").all_text_contents()] == [
        "Ochtend",
        "Middag",
    ]
    assert "Inzicht van de Middag." in page.locator("body").inner_text()
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "published-event-phone")
