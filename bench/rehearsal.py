"""Rehearse a real room: the app started as docs/DEPLOYMENT.md says, 60 phones, 200 insights.

Phones join over HTTP and post over Socket.IO with acks, the way the phone page does; people vote,
the facilitator starts a round, pins, hides and spotlights, then closes the session and downloads
every export. Prints the ack latency, every refusal, what the exports hold, and any 5xx or traceback
in the server's log; saves screenshots of the wall (1280x720, 1920x1080), a phone (390x844) and
the console (1440x900) for a person to look at.

Usage: .venv/bin/python bench/rehearsal.py [--phones 60] [--insights 200] [--out DIR]
"""

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.benchlib import percentiles  # noqa: E402
from tests.support import LiveServer  # noqa: E402
from tests.support.http import Api  # noqa: E402
from workshop import tags  # noqa: E402

KINDS = tags.keys("kinds")  # the default tag set's, as a phone offers them
PERSPECTIVES = tags.keys("perspectives")
ORGANISATIONS = ["municipality", "housing_corporation", "owners_association", "installer", None]
OPENINGS = [
    "In Tilburg merkten we dat",
    "Bij onze VvE bleek",
    "De corporatie in Barneveld zag dat",
    "Onze bewonersinitiatief leerde dat",
    "Als installateur zie ik dat",
    "Vanuit het ministerie kijken we hoe",
    "In de wijk Kanaleneiland bleek",
    "Buurkracht in Amsterdam liet zien dat",
]
MIDDLES = [
    "collectieve inkoop de drempel voor particulieren flink verlaagt",
    "gespikkeld bezit elk besluit in een blok een jaar vertraagt",
    "bewoners pas meedoen als de gemeente eerst luistert",
    "een onafhankelijke energiecoach meer vertrouwen wekt dan een folder",
    "de netbeheerder te laat aan tafel zit",
    "warmtenet en isolatie samen beter uit te leggen zijn",
    "keukentafelgesprekken met buren het beste werken",
    "de financiering voor lage inkomens nog steeds ontbreekt",
]
CLOSINGS = [
    "en dat kost tijd.",
    "maar niemand regelt het.",
    "dus begin klein en concreet.",
    "en daar willen we van leren.",
    "wie heeft hier ervaring mee?",
    "zeker in de eerste fase.",
]


def insight_texts(count: int) -> list[str]:
    texts = [f"{o} {m}, {c}" for o in OPENINGS for m in MIDDLES for c in CLOSINGS]
    random.Random(7).shuffle(texts)
    return texts[:count]


class Phone:
    def __init__(self, url: str, code: str, joined: dict, table_id: int):
        self.url, self.code, self.token, self.table_id = url, code, joined["token"], table_id
        self.client = socketio.AsyncClient(reconnection=False)
        self.seen: set[int] = set()
        self.client.on("insight:new", self.on_new)

    async def on_new(self, insight):
        self.seen.add(insight["id"])

    async def connect(self):
        await self.client.connect(
            self.url,
            auth={"session": self.code, "role": "participant", "token": self.token},
            transports=["websocket"],
        )

    async def post(self, text: str, rng: random.Random) -> tuple[float, dict]:
        body = {
            "client_id": str(uuid.uuid4()),
            "table_id": self.table_id,
            "text": text,
            "kind": rng.choice(KINDS),
            "perspectives": rng.sample(PERSPECTIVES, rng.randint(0, 2)),
        }
        started = time.perf_counter()
        answer = await self.client.call("insight:post", body, timeout=15)
        return (time.perf_counter() - started) * 1000, answer

    async def vote(self, insight_id: int) -> dict:
        return await self.client.call("insight:vote", {"insight_id": insight_id}, timeout=15)


async def run_room(url: str, created: dict, phones: int, insights: int) -> dict:
    code, key = created["code"], created["facilitator_key"]
    tables = [t["id"] for t in created["tables"]]
    rng = random.Random(3)
    bearer = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession() as http:
        crowd = []
        for n in range(phones):
            body = {"table_id": tables[n % len(tables)], "organisation_type": ORGANISATIONS[n % 5]}
            if n % 3:
                body["name"] = f"Deelnemer {n + 1}"
            async with http.post(f"{url}/api/v1/sessions/{code}/participants", json=body) as r:
                assert r.status == 201, await r.text()
                crowd.append(Phone(url, code, await r.json(), body["table_id"]))
        await asyncio.gather(*(phone.connect() for phone in crowd))

        latencies, refusals, posted = [], [], []
        texts = insight_texts(insights)
        # Spread the posts over about a minute, as a room writes them, several at once.
        for batch_start in range(0, len(texts), 10):
            batch = texts[batch_start : batch_start + 10]
            answers = await asyncio.gather(*(rng.choice(crowd).post(text, rng) for text in batch))
            for ms, answer in answers:
                latencies.append(ms)
                if answer.get("ok"):
                    posted.append(answer["insight"])
                else:
                    refusals.append(answer.get("error"))
            if batch_start == 100:
                async with http.post(
                    f"{url}/api/v1/sessions/{code}/rounds",
                    json={"title": "Wat werkt?", "minutes": 10},
                    headers=bearer,
                ) as r:
                    assert r.status == 201, await r.text()
            await asyncio.sleep(2.5)

        votes = 0
        for phone in crowd:
            for insight in rng.sample(posted, 3):
                answer = await phone.vote(insight["id"])
                votes += bool(answer.get("ok"))
                if not answer.get("ok") and answer["error"]["code"] != "own_insight":
                    refusals.append(answer["error"])
        for insight in posted[:2]:
            async with http.patch(
                f"{url}/api/v1/sessions/{code}/insights/{insight['id']}",
                json={"pinned": True},
                headers=bearer,
            ) as r:
                assert r.status == 200, await r.text()
        async with http.patch(
            f"{url}/api/v1/sessions/{code}/insights/{posted[5]['id']}",
            json={"status": "hidden"},
            headers=bearer,
        ) as r:
            assert r.status == 200, await r.text()
        await asyncio.sleep(1)
        seen_at_table = [
            len(phone.seen) / max(1, sum(i["table_id"] == phone.table_id for i in posted))
            for phone in crowd
        ]
        await asyncio.gather(*(phone.client.disconnect() for phone in crowd))
    return {
        "posted": len(posted),
        "refused": refusals,
        "votes": votes,
        "ack_ms": percentiles(latencies),
        "phones_saw_their_table": round(min(seen_at_table), 3),
    }


def screenshots(url: str, created: dict, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    code, key = created["code"], created["facilitator_key"]
    taken = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, path, size in [
            ("wall-1920", f"/w/{code}", (1920, 1080)),
            ("wall-1280", f"/w/{code}", (1280, 720)),
            ("phone", f"/j/{code}/{created['tables'][0]['id']}", (390, 844)),
            ("console", f"/f/{code}?key={key}", (1440, 900)),
        ]:
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            page.goto(url + path)
            page.wait_for_timeout(2500)
            target = out / f"rehearsal-{name}.png"
            page.screenshot(path=str(target))
            taken.append(target)
            page.close()
        browser.close()
    return taken


def check_exports(url: str, created: dict, visible: int) -> dict:
    import requests

    code, key = created["code"], created["facilitator_key"]
    sizes = {}
    for fmt in ("csv", "xlsx", "json", "md", "docx"):
        r = requests.get(
            f"{url}/api/v1/sessions/{code}/export.{fmt}",
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )
        assert r.status_code == 200, (fmt, r.status_code, r.text[:200])
        sizes[fmt] = len(r.content)
        if fmt == "json":
            data = r.json()
            sizes["json_insights"] = len(data["sessions"][0]["insights"])
    sizes["visible_expected"] = visible
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=60)
    parser.add_argument("--insights", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("test-artifacts"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server = LiveServer(Path(tempfile.mkdtemp(prefix="rehearsal-"))).start()
    try:
        api = Api(server.url)
        created = api.create_session(state="open")
        room = asyncio.run(run_room(server.url, created, args.phones, args.insights))
        shots = screenshots(server.url, created, args.out)
        api.call(
            "PATCH",
            f"/sessions/{created['code']}",
            created["facilitator_key"],
            200,
            json={"state": "closed"},
        )
        room["exports"] = check_exports(server.url, created, room["posted"] - 1)
        log = server.log_path.read_text(errors="replace")
        room["server_errors"] = log.count("Traceback") + log.count("WORKER TIMEOUT")
        room["screenshots"] = [str(s) for s in shots]
        print(json.dumps(room, indent=2, ensure_ascii=False))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
