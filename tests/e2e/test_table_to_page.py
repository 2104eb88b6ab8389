"""The seed session from the table to the published story, in a real browser.

Participants choose their consent, the table host posts a photo of the flip chart, a participant
withdraws a post, the organiser edits a story and publishes: the page then quotes exactly what was
consented, attributed as consented, with the photo stripped of EXIF, and none of the withdrawn or
"room" posts; every export holds the same.
"""

import io
import json
import re
import zipfile

import requests
from PIL import Image

from tests.e2e.conftest import LAPTOP, PHONE, screenshot
from tests.e2e.test_photos import flip_chart_jpeg
from tests.support import ORGANISER_TOKEN
from tests.test_consent import readable as export_text

NAMED = "Het VvE-Transitiecentrum helpt eigenaren op weg."
ROOM = "Dit blijft in de zaal: de wethouder twijfelt."
ANONYMOUS = "Gespikkeld bezit vraagt om één loket voor alle eigenaren."
WITHDRAWN = "Foutje, dit trek ik weer in."
ORGANISATION = "Buurkracht bracht de buren samen rond de warmtepomp."
FLIP_CHART = "De flap van onze tafel"
DELIVERED = '.insight.is-own .delivery[data-state="delivered"]'


def join_on_phone(page_for, table, name, **fields):
    phone = page_for(table["join_url"] + "?lang=nl", PHONE)
    phone.fill("#name", name)
    if fields:
        phone.click(".speaking-more summary")
        for field, value in fields.items():
            phone.fill(f"#{field}", value)
    phone.click("#join-form button")
    phone.wait_for_selector('#connection[data-status="online"]')
    return phone


def post_on_phone(phone, text, consent=None, override=None):
    before = phone.locator(DELIVERED).count()
    phone.fill("#text", text)
    if consent:  # the question asked once, before the first post
        phone.click(f'label.consent-option:has(input[value="{consent}"])')
    if override:
        phone.select_option("#quote_consent", override)
    phone.click("#send")
    phone.wait_for_function(f"n => document.querySelectorAll('{DELIVERED}').length > n", arg=before)


def test_the_seed_session_from_join_to_a_published_page(api, live_server, page_for, tmp_path):
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    first, second = created["tables"][0], created["tables"][1]

    # Tijs agrees to be quoted by name and keeps one remark to the room.
    tijs = join_on_phone(
        page_for, first, "Tijs van Gisbergen",
        organisation="gemeente Tilburg", role="projectleider", place="Tilburg",
    )  # fmt: skip
    post_on_phone(tijs, NAMED, consent="name")
    post_on_phone(tijs, ROOM, override="room")
    # Sanne stays "een deelnemer" and withdraws a post she regrets.
    sanne = join_on_phone(page_for, first, "Sanne de Vries")
    post_on_phone(sanne, ANONYMOUS, consent="anonymous")
    post_on_phone(sanne, WITHDRAWN)
    regret = sanne.locator(".insight.is-own", has_text=WITHDRAWN)
    regret.locator("[data-withdraw] summary").click()
    regret.locator("[data-withdraw-form] button").click()
    regret.wait_for(state="detached")
    screenshot(sanne, "table-to-page-phone")
    # A third speaker, over the API: quoted by organisation and place only.
    third = api.join(code, second["id"], name="Pieter Bakker", organisation="Buurkracht",
                     place="Amsterdam", role="buurtcoach", quote_consent="organisation")  # fmt: skip
    api.post(code, third["token"], second["id"], text=ORGANISATION)

    # The table host photographs the flip chart from the host link.
    console = requests.get(f"{live_server.url}/f/{code}?key={key}", timeout=10).text
    host_url = re.findall(r'data-copy-host="([^"]+)"', console)[0]
    host = page_for(host_url + "?lang=nl", PHONE)
    host.set_input_files("#host-photo", flip_chart_jpeg(tmp_path / "IMG_0412.JPG"))
    host.fill("#host-photo-text", FLIP_CHART)
    host.click("#host-photo-form button")
    host.wait_for_selector(".banner-ok")

    # The organiser writes the first table's story and publishes the session.
    organiser = page_for(live_server.url + "/o/?lang=nl", LAPTOP)
    organiser.fill("#token", ORGANISER_TOKEN)
    organiser.click("button.primary")
    organiser.click(f"#session-{code} >> text=Verhalen en publiceren")
    story = organiser.locator(".story-panel").first
    story.locator("textarea").fill("## Wat we leerden\n\nEén loket werkt **beter** dan tien.")
    story.locator("button[value='save']").click()
    organiser.wait_for_selector(".story-panel [data-story='saved']")
    organiser.click("#publication button[value='publish']")
    url = organiser.locator("#published-url").inner_text()

    page = page_for(url, PHONE)
    text = page.locator("main").inner_text()
    assert "Eén loket werkt beter dan tien." in text
    for said in (NAMED, ANONYMOUS, ORGANISATION, FLIP_CHART):
        assert said in text
    for unsaid in (ROOM, WITHDRAWN, "Sanne", "Pieter", "buurtcoach"):
        assert unsaid not in text
    screenshot(page, "table-to-page-published")
    page.screenshot(path=str(screenshot(page, "table-to-page-published-full")), full_page=True)

    data = requests.get(url + ".json", timeout=10).json()
    quotes = {q["text"]: q for table in data["tables"] for q in table["quotes"]}
    assert set(quotes) == {NAMED, ANONYMOUS, ORGANISATION, FLIP_CHART}
    assert (
        quotes[NAMED]["attribution"]
        == "Tijs van Gisbergen, projectleider, gemeente Tilburg, Tilburg"
    )
    assert quotes[ANONYMOUS]["attribution"] == "een deelnemer"
    assert quotes[ORGANISATION]["attribution"] == "Buurkracht (Amsterdam)"
    photo = quotes[FLIP_CHART]["photo"]
    image = page.locator(f"img[src='{photo['url']}']")
    image.scroll_into_view_if_needed()
    page.wait_for_function("src => [...document.images].some(i => i.src === src && i.complete"
                           " && i.naturalWidth > 0)", arg=photo["url"])  # fmt: skip
    stored = Image.open(io.BytesIO(requests.get(photo["url"], timeout=10).content))
    assert dict(stored.getexif()) == {} and stored.size == (1536, 2048)  # upright, no EXIF or GPS

    # Every export says the same: nothing withdrawn, nothing kept to the room, no unconsented name.
    for fmt in ("csv", "json", "md", "xlsx", "docx", "zip"):
        response = requests.get(
            f"{live_server.url}/api/v1/sessions/{code}/export.{fmt}",
            headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"},
            timeout=20,
        )
        assert response.status_code == 200, (fmt, response.text[:200])
        exported = readable(fmt, response.content)
        for said in (NAMED, ANONYMOUS, ORGANISATION, "Tijs van Gisbergen"):
            assert said in exported, (fmt, said)
        for unsaid in (ROOM, WITHDRAWN, "Sanne", "Pieter", "buurtcoach"):
            assert unsaid not in exported, (fmt, unsaid)


def readable(fmt: str, content: bytes) -> str:
    """The text of an export, whatever its format (the zip bundle: its report)."""
    if fmt == "zip":
        bundle = zipfile.ZipFile(io.BytesIO(content))
        assert any(name.endswith(".jpg") for name in bundle.namelist())  # the flip chart
        return bundle.read("report.md").decode()
    if fmt == "json":  # as text, without \u escapes
        return json.dumps(json.loads(content), ensure_ascii=False)
    return export_text(fmt, content)
