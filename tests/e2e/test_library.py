"""The library of practice stories in real Chromium: search, filter and follow a result to its
published page without any script; axe finds nothing serious; phone and laptop widths."""

import pytest

from tests.e2e.conftest import ARTIFACTS, PHONE, screenshot
from tests.e2e.test_accessibility import serious_violations

DESKTOP = {"width": 1280, "height": 800}


def publish(api, created):
    return api.call(
        "PUT",
        f"/sessions/{created['code']}/publication",
        created["facilitator_key"],
        200,
        json={"listed": True},
    ).json()["url"]


@pytest.fixture(scope="module")
def shelf(api):
    """Two published, listed sessions (Dutch and English) with a few insights each."""
    dutch = api.create_session(title="Wijkaanpak Tilburg-Noord")
    table = dutch["tables"][0]["id"]
    tijs = api.join(dutch["code"], table, name="Tijs van Gisbergen", organisation="gemeente Tilburg",
                    place="Tilburg", organisation_type="municipality", quote_consent="name")  # fmt: skip
    anna = api.join(dutch["code"], table, name="Anna", organisation_type="owners_association")
    for token, text, kind, perspectives in (
        (tijs["token"], "Bewoners vragen eerst om een huisbezoek.", "lesson", ["residents"]),
        (anna["token"], "De financiering via de gemeente duurde een jaar.", "frustration",
         ["affordability"]),
        (tijs["token"], "Financieren lukte pas met een lening van het warmtefonds.", "success",
         ["affordability"]),
        (anna["token"], "Een bewonersavond in het buurthuis trok zestig mensen.", "experience",
         ["residents"]),
    ):  # fmt: skip
        posted = api.post(dutch["code"], token, table, text, kind=kind, perspectives=perspectives)
        assert posted.status_code == 201, posted.text
    english = api.create_session(title="Retrofit Leeds", language="en")
    sam = api.join(english["code"], english["tables"][0]["id"], name="Sam")
    api.post(english["code"], sam["token"], english["tables"][0]["id"],
             "Residents trusted the neighbour who had done it already.", kind="tip")  # fmt: skip
    return {"dutch": publish(api, dutch), "english": publish(api, english)}


def test_search_filter_and_follow_a_result_on_a_phone(live_server, page_for, shelf):
    page = page_for(f"{live_server.url}/library?lang=nl", PHONE)
    assert page.locator("h1").inner_text() == "Bibliotheek van praktijkverhalen"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
    screenshot(page, "library-phone")
    page.get_by_label("Zoek in de verhalen").fill("financieren")
    page.get_by_role("button", name="Zoeken", exact=True).click()
    page.wait_for_load_state()
    quotes = {text.strip() for text in page.locator(".quote-text").all_text_contents()}
    assert quotes == {
        "De financiering via de gemeente duurde een jaar.",
        "Financieren lukte pas met een lening van het warmtefonds.",
    }
    assert page.locator("#library-count").inner_text().startswith("2 resultaten")
    page.select_option("#filter-kind", "success")
    page.get_by_role("button", name="Filters toepassen").click()
    page.wait_for_load_state()
    assert page.locator(".quote-text").all_text_contents() == [
        "Financieren lukte pas met een lening van het warmtefonds."
    ]
    # The kind filter still offers the other kind this search found, with its count.
    assert "(1)" in page.locator("#filter-kind option[value=frustration]").inner_text()
    assert "Tijs van Gisbergen" in page.locator(".quote-credit").inner_text()
    screenshot(page, "library-phone-filtered")
    page.screenshot(path=str(ARTIFACTS / "library-phone-filtered-full.png"), full_page=True)
    page.get_by_role("link", name="Lees het verhaal van deze tafel").click()
    page.wait_for_load_state()
    assert page.url.startswith(shelf["dutch"] + "#table-")
    assert "Financieren lukte pas met een lening" in page.locator("main").inner_text()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_library_on_a_laptop(live_server, page_for, shelf, language):
    page = page_for(f"{live_server.url}/library?lang={language}", DESKTOP)
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    if language == "en":
        assert page.locator("h1").inner_text() == "Library of practice stories"
        page.get_by_label("Search the stories").fill("resident")
        page.get_by_role("button", name="Search", exact=True).click()
        page.wait_for_load_state()
        assert page.locator(".quote-text").all_text_contents() == [
            "Residents trusted the neighbour who had done it already."
        ]
    screenshot(page, f"library-laptop-{language}")


def test_a_page_past_the_end_and_a_long_query_answer_plainly(live_server, page_for, shelf):
    page = page_for(f"{live_server.url}/library?lang=nl&page=abc", PHONE)
    assert "De pagina moet een getal" in page.locator("[role=alert]").inner_text()
    page = page_for(f"{live_server.url}/library?lang=nl&q={'bewoner ' * 40}", PHONE)
    assert "De zoektekst is te lang" in page.locator("[role=alert]").inner_text()
