"""WCAG 2.1 AA on the phone, console and plain pages: axe-core finds no serious or critical issue."""

from pathlib import Path

import pytest

from tests.conftest import ORGANISER_TOKEN
from tests.e2e.conftest import LAPTOP, PHONE

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
