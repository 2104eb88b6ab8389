"""The organiser page in a browser: sign in, see events with counts, download a harvest."""

import io

import openpyxl

from tests.e2e.conftest import LAPTOP, screenshot
from tests.support import ORGANISER_TOKEN


def test_organiser_signs_in_and_downloads_the_event_harvest(live_server, api, page_for):
    event = api.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up 2026"})
    created = api.create_session(event_id=event.json()["id"])
    api.create_session(title="Middagsessie", event_id=event.json()["id"])
    api.create_session(title="Losse proefsessie", state="draft")
    table = created["tables"][0]["id"]
    for name, text in (
        ("Joost", 'Bewoners eerst; "gratis" bestaat niet 🌱'),
        ("Anouk", "Eén VvE-aanpak"),
    ):
        me = api.join(created["code"], table, name=name, organisation_type="municipality")
        api.post(created["code"], me["token"], table, text=text)

    page = page_for(live_server.url + "/o/?lang=en", LAPTOP, accept_downloads=True)
    page.fill("#token", ORGANISER_TOKEN)
    page.click("text=Sign in")
    page.wait_for_selector(f"#event-{event.json()['id']}")
    event_panel = page.locator(f"#event-{event.json()['id']}")
    assert "2 sessions · 2 insights · 2 participants" in event_panel.inner_text()
    assert "Losse proefsessie" in page.locator("#loose-title + table").inner_text()
    screenshot(page, "organiser-page")

    with page.expect_download() as download:
        event_panel.locator(".event-head a", has_text="Excel").click()
    data = download.value.path().read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "Samenvatting" and len(book.sheetnames) == 1 + 6

    row = page.locator(f"#session-{created['code']}")
    row.locator("summary").click()
    row.locator("input[name=anonymise]").check()
    row.locator("select[name=format]").select_option("md")
    with page.expect_download() as download:
        row.locator("button", has_text="Download").click()
    report = download.value.path().read_text()
    assert "Joost" not in report and "een deelnemer (gemeente)" in report
    screenshot(page, "organiser-download-options")
