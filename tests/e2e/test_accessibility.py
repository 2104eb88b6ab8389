"""WCAG 2.1 AA on the phone, console and plain pages: axe-core finds no serious or critical issue."""

from pathlib import Path

import pytest

from tests.e2e.conftest import LAPTOP, PHONE, WALL, screenshot
from tests.support import ORGANISER_TOKEN

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


def serious_violations(page) -> list[str]:
    page.evaluate(AXE)  # evaluated through the devtools protocol, so the page's CSP stays on
    result = page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    assert len(result["passes"]) >= 10, "axe did not check the page"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture(scope="module")
def room(api):
    created = api.create_session()
    table = created["tables"][0]
    me = api.join(created["code"], table["id"], name="Noor")
    api.post(
        created["code"], me["token"], table["id"], "Luister eerst, plan daarna.", kind="lesson"
    )
    return created


@pytest.mark.parametrize("language", ["nl", "en"])
def test_phone_pages(room, page_for, language):
    page = page_for(f"{room['tables'][0]['join_url']}?lang={language}", PHONE)
    assert serious_violations(page) == []
    page.fill("#name", "Noor")
    page.click("#join-form button")
    page.wait_for_selector("#compose")
    assert serious_violations(page) == []


def test_console(room, page_for):
    page = page_for(room["facilitator_url"], LAPTOP)
    page.wait_for_selector("#feed .insight")
    assert serious_violations(page) == []


def test_plain_pages(live_server, page_for):
    for path in ("/", "/j/NOPE23", "/o/"):
        assert serious_violations(page_for(live_server.url + path, PHONE)) == [], path
    organiser = page_for(live_server.url + "/o/", LAPTOP)
    organiser.fill("#token", ORGANISER_TOKEN)
    organiser.click("button.primary")
    assert serious_violations(organiser) == []


WALL_VIEWS = ["tables", "perspectives", "compass", "stats", "mix", "summaries"]


@pytest.fixture(scope="module")
def wall_room(api):
    """A session with insights at every table (some perspectives left blind), votes and seats."""
    from tests.seed_views import seed

    created = api.create_session()
    seed(api, created)
    return created


def show(api, room, **settings):
    api.call(
        "PATCH",
        f"/sessions/{room['code']}",
        room["facilitator_key"],
        200,
        json={"settings": settings},
    )


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("view", WALL_VIEWS)
def test_wall_views(api, wall_room, page_for, view, theme):
    show(api, wall_room, wall_view=view, wall_theme=theme)
    wall = page_for(wall_room["wall_url"], WALL)
    wall.wait_for_selector(f'.wall[data-view="{view}"][data-rendered="{view}"]')
    if view in ("stats", "mix"):
        wall.wait_for_selector('.wall[data-stats-ready="true"]')
    screenshot(wall, f"wall-{view}-{theme}")
    assert serious_violations(wall) == []
    # One main landmark, one h1, and headings that never skip a level.
    assert wall.locator("main").count() == 1
    assert wall.locator("h1").count() == 1
    levels = wall.evaluate(
        "[...document.querySelectorAll('h1,h2,h3,h4')].filter((h) => h.checkVisibility())"
        ".map((h) => Number(h.tagName[1]))"
    )
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (
        levels
    )


def test_wall_spotlight(api, wall_room, page_for):
    show(api, wall_room, wall_view="tables", wall_theme="dark")
    found = api.call("GET", f"/sessions/{wall_room['code']}/insights").json()["insights"]
    api.call(
        "PUT",
        f"/sessions/{wall_room['code']}/spotlight",
        wall_room["facilitator_key"],
        200,
        json={"insight_id": found[0]["id"]},
    )
    try:
        wall = page_for(wall_room["wall_url"], WALL)
        wall.wait_for_selector("#spotlight:not([hidden])")
        screenshot(wall, "wall-spotlight")
        assert serious_violations(wall) == []
    finally:
        api.call(
            "PUT",
            f"/sessions/{wall_room['code']}/spotlight",
            wall_room["facilitator_key"],
            200,
            json={"insight_id": None},
        )
