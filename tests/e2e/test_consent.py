"""Consent to be quoted on a real phone: asked once before the first post, shown on one's own
posts, overridable per post, and who is speaking in the console."""

from tests.e2e.conftest import LAPTOP, PHONE, screenshot
from tests.e2e.test_accessibility import serious_violations


def test_phone_asks_consent_once_and_shows_it_on_own_posts(api, page_for):
    created = api.create_session(language="en")
    table = created["tables"][0]
    phone = page_for(table["join_url"] + "?lang=en", PHONE)
    phone.fill("#name", "Tijs van Gisbergen")
    phone.select_option("#organisation_type", "municipality")
    phone.click(".speaking-more summary")
    phone.fill("#organisation", "gemeente Tilburg")
    phone.fill("#role", "projectleider")
    phone.fill("#place", "Tilburg")
    screenshot(phone, "consent-phone-join")
    phone.click("#join-form button")
    phone.wait_for_selector('#connection[data-status="online"]')

    # The question, in plain words, before the first post; the per-post choice waits until then.
    question = phone.locator("#consent-question")
    assert "how may we quote you?" in question.inner_text()
    assert phone.locator("#consent-override").is_hidden()
    phone.fill("#text", "Het VvE-Transitiecentrum helpt eigenaren op weg.")
    phone.click('label.consent-option:has(input[value="name"])')
    question.scroll_into_view_if_needed()
    screenshot(phone, "consent-phone-question")
    assert serious_violations(phone) == []
    phone.click("#send")
    own = phone.locator(".insight.is-own").first
    own.locator('.delivery[data-state="delivered"]').wait_for()
    assert own.locator('[data-field="consent"]').inner_text() == "Report: with name"
    phone.locator("#consent-question").wait_for(state="detached")  # asked once
    override = phone.locator("#consent-override")
    override.wait_for()
    assert "As I chose (With my name)" in override.inner_text()

    # One post kept to the room, with the small per-post choice.
    phone.fill("#text", "Dit blijft in de zaal.")
    phone.select_option("#quote_consent", "room")
    phone.click("#send")
    kept = phone.locator(".insight.is-own", has_text="Dit blijft in de zaal.")
    kept.locator('.delivery[data-state="delivered"]').wait_for()
    assert kept.locator('[data-field="consent"]').inner_text() == "Only in this room"
    screenshot(phone, "consent-phone-posted")

    # Remembered: a reload asks nothing, and the server-made cards show each choice.
    phone.reload()
    phone.wait_for_selector('#connection[data-status="online"]')
    assert phone.locator("#consent-question").count() == 0
    badges = phone.locator('.insight.is-own [data-field="consent"]').all_inner_texts()
    assert sorted(badges) == ["Only in this room", "Report: with name"]
    phone.click("#about-you summary")
    assert phone.input_value("#profile-organisation") == "gemeente Tilburg"
    assert phone.locator("#profile-quote_consent-name").is_checked()
    screenshot(phone, "consent-phone-about-you")
    assert serious_violations(phone) == []

    listed = api.call(
        "GET", f"/sessions/{created['code']}/insights?since=0", created["facilitator_key"]
    )
    consents = {i["text"]: i["quote_consent"] for i in listed.json()["insights"]}
    assert consents == {
        "Het VvE-Transitiecentrum helpt eigenaren op weg.": "name",
        "Dit blijft in de zaal.": "room",
    }

    console = page_for(created["facilitator_url"] + "&lang=en", LAPTOP)
    card = console.locator(".insight", has_text="VvE-Transitiecentrum")
    card.wait_for()
    assert "projectleider · gemeente Tilburg · Tilburg" in card.inner_text()
    assert "Report: with name" in card.inner_text()
    room_card = console.locator(".insight", has_text="Dit blijft in de zaal.")
    assert "Only in this room" in room_card.inner_text()
    screenshot(console, "consent-console")


def test_the_profile_form_changes_consent_without_javascript(api, browser, live_server):
    created = api.create_session()
    table = created["tables"][0]
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        phone = context.new_page()
        phone.goto(table["join_url"] + "?lang=nl")
        phone.fill("#name", "Anna")
        phone.click("#join-form button")
        assert "hoe mogen we je citeren?" in phone.locator("#consent-question").inner_text()
        phone.fill("#text", "Zonder JavaScript gedeeld.")
        phone.click('label.consent-option:has(input[value="organisation"])')
        phone.click("#send")
        assert phone.locator("#consent-question").count() == 0
        badge = phone.locator('.insight.is-own [data-field="consent"]').inner_text()
        assert badge == "Verslag: alleen organisatie"
        phone.click("#about-you summary")
        phone.fill("#profile-organisation", "Buurkracht")
        phone.click('label.consent-option:has(input[id="profile-quote_consent-room"])')
        phone.click("#profile-form button")
        badge = phone.locator('.insight.is-own [data-field="consent"]').inner_text()
        assert badge == "Alleen in deze zaal"
        screenshot(phone, "consent-phone-nojs")
    finally:
        context.close()
