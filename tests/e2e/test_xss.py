"""Hostile text from a phone is inert on every screen: nothing runs, everything reads as typed.

Each page is watched from before it loads: a dialog, a JavaScript error, a console error or a
Content-Security-Policy report fails the test, and `window.__xss` (set by every payload that
would run) must stay undefined. The DOM must show the payloads as text.
"""

import csv
import io
import uuid

import pytest
import requests

from tests.e2e.conftest import LAPTOP, PHONE, WALL, screenshot
from tests.support.closing import closed_after

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<a href="javascript:window.__xss=1">klik hier</a>',
    '<svg onload="window.__xss=1"><circle r="5"></circle></svg>',
    '"><iframe src="javascript:window.__xss=1"></iframe>',
    "{{ 7*7 }} ${7*7} {% raw %}",
    "Renovatie" + "x" * 200,  # a very long word
    "RTL \u202egnp.exe\u202c einde",  # right-to-left override
    "nul\u200bbreedte\u200d\ufeffteken",  # zero-width characters
    '=HYPERLINK("http://evil.example","klik")',
    "+31 6 1234 5678",
    "@SUM(1+1)",
]
NAME = '<img src=x onerror="window.__xss=1">'
TABLE = '<svg/onload="window.__xss=1">Tafel'
QUESTION = "<script>window.__xss=1</script> Wie betaalt?"
TITLE = '<b onmouseover="window.__xss=1">Sessie</b>'


class Watched:
    """A page with listeners attached before it loads."""

    def __init__(self, browser, url, viewport):
        self.problems: list[str] = []
        self.url = url
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog {d.message}"), d.dismiss()))
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror {e}"))
        self.page.on("console", self._console)
        self.page.goto(url)

    def _console(self, message):
        text = message.text
        if message.type == "error" or "Content Security Policy" in text:
            if "socket.io" in text and "ERR_CONNECTION" in text:
                return  # a reconnect attempt, not a script problem
            if "Failed to load resource" in text and message.location.get("url") == self.url:
                return  # the page's own status (the 404 page is a page too)
            self.problems.append(f"console {message.type}: {text}")

    def assert_clean(self):
        assert self.page.evaluate("typeof window.__xss") == "undefined", "a payload ran"
        assert not self.problems, self.problems

    def close(self):
        self.context.close()


@pytest.fixture
def watch(browser):
    with closed_after(lambda url, viewport=PHONE: Watched(browser, url, viewport)) as open_page:
        yield open_page


@pytest.fixture
def hostile_session(api):
    created = api.create_session(
        title=TITLE, template=None, tables=[{"name": TABLE, "question": QUESTION}]
    )
    return created


def test_payloads_from_a_phone_are_inert_on_wall_phone_and_console(api, watch, hostile_session):
    created = hostile_session
    table = created["tables"][0]
    wall = watch(created["wall_url"], WALL)
    wall.page.wait_for_selector('#connection[data-status="online"]')
    console = watch(created["facilitator_url"], LAPTOP)
    console.page.wait_for_selector('#connection[data-status="online"]')

    # One phone joins and posts through the page itself (name and first payload typed in).
    phone = watch(table["join_url"], PHONE)
    phone.page.fill("#name", NAME)
    phone.page.click("#join-form button")
    phone.page.wait_for_selector("#compose")
    phone.page.wait_for_selector('#connection[data-status="online"]')
    phone.page.fill("#text", PAYLOADS[0])
    phone.page.click("#send")
    phone.page.wait_for_selector('.insight .delivery[data-state="delivered"]')
    # The rest arrive through the API, as other phones would send them.
    me = api.join(created["code"], table["id"], name=NAME)
    for text in PAYLOADS[1:]:
        assert api.post(created["code"], me["token"], table["id"], text).status_code == 201

    for watched, selector in ((wall, ".wall-column .insight-text"), (console, ".insight-text")):
        watched.page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length >= n",
            arg=[selector, len(PAYLOADS)],
        )
        shown = {t.strip() for t in watched.page.locator(selector).all_text_contents()}
        for text in PAYLOADS:
            assert text.strip() in shown, (selector, text)
        page_text = watched.page.locator("body").inner_text()
        assert NAME in page_text, "the author's name shows as typed"
        injected = watched.page.locator(
            ".insight img[src='x'], .insight svg[onload], .insight script, .insight iframe, "
            ".insight a[href^='javascript']"
        )
        assert injected.count() == 0

    phone.page.reload()
    phone.page.wait_for_selector('#connection[data-status="online"]')
    own = {t.strip() for t in phone.page.locator(".insight-text").all_text_contents()}
    assert PAYLOADS[0] in own
    assert TABLE in phone.page.locator("body").inner_text()
    assert QUESTION in wall.page.locator("body").inner_text()
    assert TABLE in wall.page.locator("body").inner_text()
    # A very long word wraps inside its card instead of pushing the column wider.
    overflow = wall.page.evaluate(
        """() => [...document.querySelectorAll('.wall-column .insight')]
              .filter(card => card.scrollWidth > card.clientWidth + 1).length"""
    )
    assert overflow == 0
    screenshot(wall.page, "xss-wall")
    screenshot(phone.page, "xss-phone")
    screenshot(console.page, "xss-console")
    for watched in (wall, console, phone):
        watched.assert_clean()


def test_exports_neutralise_formulas_and_keep_text(api, hostile_session):
    created = hostile_session
    table = created["tables"][0]
    me = api.join(  # named, with consent: the name and what it typed go into the export
        created["code"],
        table["id"],
        name="=cmd|' /C calc'!A0",
        role="+SUM(1)",
        organisation="@gemeente",
        place="-Tilburg",
        quote_consent="name",
    )
    for text in PAYLOADS:
        api.post(created["code"], me["token"], table["id"], text)
    key = created["facilitator_key"]
    base = api.base + f"/sessions/{created['code']}"
    exported = requests.get(
        base + "/export.csv", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], "formula cells"
    assert "'" + PAYLOADS[9] in cells and "'=cmd|' /C calc'!A0" in cells
    assert {"'+SUM(1)", "'@gemeente", "'-Tilburg"} <= set(cells)
    assert PAYLOADS[0] in cells
    as_json = requests.get(
        base + "/export.json", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    assert as_json.status_code == 200
    assert as_json.headers["Content-Type"].startswith("application/json")
    assert PAYLOADS[1] in as_json.text or PAYLOADS[1].replace('"', '\\"') in as_json.text


def test_no_page_violates_the_csp(api, watch, live_server):
    """Every screen, including the organiser's, loads without a single CSP report or JS error."""
    created = api.create_session()
    table = created["tables"][0]
    pages = [
        (live_server.url + "/", PHONE),
        (created["join_url"], PHONE),
        (table["join_url"], PHONE),
        (created["wall_url"], WALL),
        (created["wall_url"] + "?lang=en", WALL),
        (created["facilitator_url"], LAPTOP),
        (live_server.url + "/o/", LAPTOP),
        (live_server.url + f"/j/{uuid.uuid4().hex[:6].upper()}", PHONE),  # the 404 page
    ]
    for url, viewport in pages:
        watched = watch(url, viewport)
        watched.page.wait_for_load_state("networkidle")
        watched.assert_clean()
    # Signed in, the organiser dashboard too.
    organiser = watch(live_server.url + "/o/", LAPTOP)
    from tests.support import ORGANISER_TOKEN

    organiser.page.fill("input[name=token]", ORGANISER_TOKEN)
    organiser.page.click("form button")
    organiser.page.wait_for_load_state("networkidle")
    assert created["code"] in organiser.page.content()
    organiser.assert_clean()
