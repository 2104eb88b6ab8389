"""Take the README's screenshots: a live server with a realistic session, in headless Chromium.

Usage: .venv/bin/python scripts/screenshots.py [output-folder]   (default docs/screenshots)
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.support import ORGANISER_TOKEN, Api, LiveServer  # noqa: E402

INSIGHTS = [
    (
        0,
        "Bewoners vertrouwen de gemeente pas als die eerst luistert en daarna pas plannen toont.",
        "lesson",
        ["residents", "decision_process"],
        "Fatima",
        "residents_initiative",
    ),
    (
        0,
        "Wie spreekt er eigenlijk namens de huurders die nooit naar een avond komen?",
        "question",
        ["residents"],
        "Joost",
        "municipality",
    ),
    (
        0,
        "Keukentafelgesprekken door buren werkten beter dan elke folder.",
        "success",
        ["residents"],
        "",
        None,
    ),
    (
        1,
        "In één blok: corporatie wil wel, VvE moet met 2/3 meerderheid instemmen. Dat duurt een jaar.",
        "frustration",
        ["decision_process", "renovation_offer"],
        "Marieke",
        "housing_corporation",
    ),
    (
        1,
        "Maak één aanspreekpunt voor het hele blok, niet drie.",
        "tip",
        ["decision_process"],
        "Sanne",
        "installer",
    ),
    (
        2,
        "Particulieren willen zelf kiezen, maar collectief inkopen scheelt 20% op de warmtepomp.",
        "experience",
        ["affordability", "renovation_offer"],
        "Ahmed",
        "advisor",
    ),
    (
        2,
        "Een gebouwgebonden financiering maakt de stap voor ouderen veel kleiner.",
        "lesson",
        ["affordability"],
        "Els",
        "government",
    ),
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp)).start()
        try:
            api = Api(server.url)
            event = api.call(
                "POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up 2026"}
            ).json()
            created = api.create_session(event_id=event["id"])
            code, tables = created["code"], created["tables"]
            api.call(
                "POST",
                f"/sessions/{code}/rounds",
                created["facilitator_key"],
                201,
                json={"minutes": 12},
            )
            first = None
            for table, text, kind, perspectives, name, org in INSIGHTS:
                me = api.join(code, tables[table]["id"], name=name, organisation_type=org)
                posted = api.post(
                    code,
                    me["token"],
                    tables[table]["id"],
                    text,
                    kind=kind,
                    perspectives=perspectives,
                ).json()
                first = first or (posted, me)
            voter = api.join(code, tables[0]["id"])
            api.call(
                "POST", f"/sessions/{code}/insights/{first[0]['id']}/vote", voter["token"], 200
            )
            shoot(server, created, out)
        finally:
            server.stop()


def shoot(server, created, out: Path) -> None:
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        wall = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        wall.goto(created["wall_url"])
        wall.wait_for_selector('#connection[data-status="online"]')
        wall.wait_for_timeout(800)
        wall.screenshot(path=str(out / "wall.png"))
        Api(server.url).call(
            "PATCH",
            f"/sessions/{created['code']}",
            created["facilitator_key"],
            200,
            json={"settings": {"wall_theme": "light"}},
        )
        wall.wait_for_selector("body.theme-light")
        wall.wait_for_timeout(300)
        wall.screenshot(path=str(out / "wall-light.png"))

        phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        phone.goto(created["tables"][0]["join_url"])
        phone.screenshot(path=str(out / "phone-join.png"))
        phone.fill("#name", "Noor")
        phone.click("#join-form button")
        phone.wait_for_selector('#connection[data-status="online"]')
        phone.fill("#text", "Start met de mensen die al enthousiast zijn.")
        phone.click('label.chip:has(input[value="tip"])')
        phone.screenshot(path=str(out / "phone.png"))

        console = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        console.goto(created["facilitator_url"])
        console.wait_for_selector('#connection[data-status="online"]')
        console.screenshot(path=str(out / "console.png"))

        organiser = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        organiser.goto(server.url + "/o/")
        organiser.fill("#token", ORGANISER_TOKEN)
        organiser.click("button.primary")
        organiser.screenshot(path=str(out / "organiser.png"))
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
