"""Themes across tables in real browsers: the console accepts a suggested group as a theme, the
wall's "themes" view shows it on a projector, and a phone votes on it."""

import os
import shutil

from tests.e2e.conftest import LAPTOP, PHONE, WALL, screenshot
from tests.e2e.test_wall_volume import TEXTS, inside
from tests.support import ROOT

WARMTENET = [
    "Niemand weet wat een aansluiting op het warmtenet gaat kosten.",
    "De kosten van aansluiten op het warmtenet zijn voor bewoners onduidelijk.",
    "Bewoners willen eerst weten wat het warmtenet per maand kost voordat ze meedoen.",
]
ZONNEPANELEN = [
    "Collectieve inkoop van zonnepanelen maakt het voor iedereen goedkoper.",
    "Samen zonnepanelen inkopen met de hele straat scheelt veel geld.",
]
OTHERS = [
    "Installateurs hebben lange wachtlijsten, waardoor projecten vertraging oplopen.",
    "Het energielabel van woningen is vaak verouderd.",
]


def test_console_makes_a_theme_from_a_suggestion_and_the_wall_and_phones_follow(api, page_for):
    created = api.create_session()
    code = created["code"]
    tables = [t["id"] for t in created["tables"]]
    authors = [api.join(code, t, name=f"Deelnemer {n}")["token"] for n, t in enumerate(tables)]
    posted = {}
    for n, text in enumerate(WARMTENET + ZONNEPANELEN + OTHERS):
        reply = api.post(code, authors[n % 3], tables[n % 3], text).json()
        posted[text] = reply["id"]

    wall = page_for(created["wall_url"], WALL)
    wall.wait_for_selector('#connection[data-status="online"]')
    console = page_for(created["facilitator_url"], LAPTOP)
    console.wait_for_selector('#connection[data-status="online"]')
    phone = page_for(created["join_url"], PHONE)
    phone.click("#join-form button")
    phone.wait_for_selector('#connection[data-status="online"]')
    assert phone.locator("#themes").is_hidden()  # no themes yet

    # Suggestions: the three warmtenet insights, said in other words, are one group.
    console.click("#suggest-themes")
    suggestion = console.locator(".theme-suggestion", has_text="Warmtenet")
    suggestion.wait_for()
    assert suggestion.locator("li").count() == 3
    screenshot(console, "themes-console-suggestions")
    suggestion.get_by_role("button", name="Maak hier een thema van").click()
    row = console.locator("#theme-rows .theme-row")
    row.wait_for()
    assert row.locator("input").input_value().lower().startswith("warmtenet")
    assert "3 inzichten" in row.inner_text()

    # A fourth insight goes in by hand, through its "Thema" menu.
    card = console.locator(f'#feed .insight[data-id="{posted[OTHERS[0]]}"]')
    card.locator("[data-theme-select]").select_option(label=row.locator("input").input_value())
    console.locator("#theme-rows .theme-row", has_text="4 inzichten").wait_for()
    console.locator("#themes-panel").scroll_into_view_if_needed()
    screenshot(console, "themes-console-theme")
    # ... and a fifth by dragging its card onto the theme.
    dragged = console.locator(f'#feed .insight[data-id="{posted[OTHERS[1]]}"]')
    dragged.drag_to(row)
    console.locator("#theme-rows .theme-row", has_text="5 inzichten").wait_for()
    assert dragged.locator("[data-theme-select]").input_value() != ""

    # The wall switches to the themes view: one column, four cards, the votes on top.
    console.select_option("#wall-view", "themes")
    wall.wait_for_selector('.wall[data-rendered="themes"]')
    column = wall.locator(".theme-column")
    column.locator(".insight").nth(4).wait_for()
    assert column.count() == 1 and column.locator(".insight").count() == 5
    assert wall.locator(".wall-columns").is_hidden()
    assert "0 stemmen" in column.locator(".theme-votes").inner_text()

    # The phone sees the theme and votes; the wall counts it, a second tap takes it back.
    phone.locator("#themes").wait_for()
    vote = phone.locator("[data-theme-vote]").first
    vote.click()
    phone.locator('[data-theme-vote][aria-pressed="true"]').wait_for()
    wall.locator(".theme-votes", has_text="1 stem").wait_for()
    screenshot(phone, "themes-phone")

    # A second theme, and the projector at both sizes.
    console.click("#suggest-themes")
    console.locator(".theme-suggestion", has_text="Zonnepanelen").get_by_role(
        "button", name="Maak hier een thema van"
    ).click()
    wall.locator(".theme-column").nth(1).locator(".insight").nth(1).wait_for()
    wall.wait_for_timeout(800)  # arrival animations
    path = screenshot(wall, "themes-wall-1920")
    assert_readable(wall)
    readme_shot = ROOT / "docs" / "screenshots" / "wall-themes.png"
    if os.environ.get("UPDATE_SCREENSHOTS") or not readme_shot.exists():
        shutil.copy(path, readme_shot)  # the README's picture; test-artifacts/ keeps every run
    wall.set_viewport_size({"width": 1280, "height": 720})
    wall.wait_for_timeout(800)
    screenshot(wall, "themes-wall-1280")
    assert_readable(wall)

    vote.click()
    phone.locator('[data-theme-vote][aria-pressed="false"]').first.wait_for()
    wall.locator(".theme-votes", has_text="0 stemmen").first.wait_for()


def assert_readable(wall):
    """The wall's rule (tests/e2e/test_wall_volume.py): no text under 24 px at 1080p, the same
    share of the screen at other sizes, nothing cut by the screen's edge, no card off it."""
    width, height = wall.viewport_size["width"], wall.viewport_size["height"]
    texts = wall.evaluate(TEXTS)
    smallest = min(texts, key=lambda t: t["size"])
    assert smallest["size"] >= 24 * height / 1080 - 0.05, smallest
    screen = {"top": 0, "left": 0, "bottom": height, "right": width}
    assert [t for t in texts if not inside(t, screen, slack=1)] == []
    for card in wall.locator(".theme-column .insight:not(.is-off)").all():
        box = card.bounding_box()
        assert box["y"] + box["height"] <= height + 1, "a card runs off the screen"


def test_seven_themes_with_many_insights_fit_the_projector(api, page_for):
    """Two rows of columns; each column pages what does not fit, never a card off the screen."""
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    tables = [t["id"] for t in created["tables"]]
    authors = [api.join(code, t, name=f"Deelnemer {n}")["token"] for n, t in enumerate(tables * 3)]
    texts = WARMTENET + ZONNEPANELEN + OTHERS
    ids = []
    for n in range(24):
        text = f"{texts[n % len(texts)]} ({n + 1})"
        ids.append(api.post(code, authors[n % 9], tables[n % 3], text).json()["id"])
    names = [
        "Kosten van het warmtenet",
        "Samen inkopen",
        "Vertrouwen in de gemeente",
        "Netcongestie en de netbeheerder als partner",
        "Huurders en corporaties",
        "Taal en communicatie",
        "Snelle kleine stappen",
    ]
    for n, name in enumerate(names):
        members = ids[0:6] if n == 0 else ids[n * 3 + 3 : n * 3 + 6]  # the first holds six
        api.call(
            "POST",
            f"/sessions/{code}/themes",
            key,
            201,
            json={"name": name, "insight_ids": members},
        )
    api.call("PATCH", f"/sessions/{code}", key, 200, json={"settings": {"wall_view": "themes"}})
    wall = page_for(created["wall_url"], WALL)
    wall.wait_for_selector('.wall[data-rendered="themes"]')
    assert wall.locator(".theme-column").count() == 7
    first = wall.locator(".theme-column").first
    assert "6 inzichten" in first.locator(".column-count").inner_text()
    wall.wait_for_timeout(800)
    screenshot(wall, "themes-wall-seven-1920")
    assert_readable(wall)
    wall.set_viewport_size({"width": 1280, "height": 720})
    wall.wait_for_timeout(800)
    screenshot(wall, "themes-wall-seven-1280")
    assert_readable(wall)
