"""Search the library of practice stories over 100,000 insights; print p50/p95 per query.

    python bench/library_search.py [--insights 100000] [--rounds 3] [--budget 60]
    TEST_DATABASE_URL=postgresql+psycopg://... python bench/library_search.py   # also PostgreSQL

Fills a fresh database (SQLite in a temporary folder; and a new PostgreSQL database when
TEST_DATABASE_URL is set, dropped afterwards) with 250 published, listed sessions in 10 events
(one in ten English), 3 tables and 16 participants each, and their insights, by bulk insert
(Core `INSERT`s, then `fulltext.rebuild()` for the SQLite copy, as a migration would). About
5 % are hidden and 10 % kept to the room, so the WHERE has work to do. Then it asks
`GET /api/v1/library` (in process, through the Flask test client: query, facets, attribution,
JSON) with a mix of searches and filters, `--rounds` times each within `--budget` seconds per
database, and prints p50 and p95 per query and over all.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DUTCH = [
    "bewoner",
    "bewoners",
    "financiering",
    "financieren",
    "warmtepomp",
    "warmtepompen",
    "isolatie",
    "isoleren",
    "gemeente",
    "gemeenten",
    "corporatie",
    "VvE",
    "subsidie",
    "subsidies",
    "lening",
    "leningen",
    "vertrouwen",
    "buurt",
    "buurtcoach",
    "keukentafel",
    "gesprek",
    "gesprekken",
    "wijkaanpak",
    "netbeheerder",
    "warmtenet",
    "aardgasvrij",
    "eigenaar",
    "eigenaren",
    "huurder",
    "huurders",
    "kosten",
    "betaalbaar",
    "planning",
    "aannemer",
    "installateur",
    "renovatie",
    "dak",
    "gevel",
    "glas",
    "ventilatie",
    "energie",
    "rekening",
    "besparen",
    "zorgen",
    "angst",
    "tempo",
    "samen",
    "starten",
    "informatieavond",
    "folder",
    "brief",
    "buren",
    "voorbeeld",
    "woning",
    "woningen",
    "blok",
    "portiek",
]
FILLER = [
    "de",
    "het",
    "een",
    "en",
    "van",
    "in",
    "op",
    "met",
    "voor",
    "is",
    "dat",
    "niet",
    "wel",
    "maar",
    "ook",
    "nog",
    "als",
    "we",
    "ze",
]
ENGLISH = [
    "resident",
    "residents",
    "financing",
    "finance",
    "heat",
    "pump",
    "pumps",
    "insulation",
    "council",
    "landlord",
    "tenant",
    "tenants",
    "trust",
    "neighbour",
    "neighbours",
    "grant",
    "grants",
    "loan",
    "cost",
    "costs",
    "energy",
    "bill",
    "retrofit",
    "contractor",
    "installer",
    "roof",
    "wall",
    "window",
    "street",
    "meeting",
    "leaflet",
    "example",
    "home",
    "homes",
]
FILLER_EN = [
    "the",
    "a",
    "and",
    "of",
    "in",
    "on",
    "with",
    "for",
    "is",
    "that",
    "not",
    "but",
    "also",
    "we",
    "they",
]
PLACES = [
    "Tilburg",
    "Breda",
    "Utrecht",
    "Amsterdam",
    "Rotterdam",
    "Zwolle",
    "Groningen",
    "Eindhoven",
    "Arnhem",
    "Nijmegen",
    "Leiden",
    "Delft",
    "Haarlem",
    "Almere",
    "Enschede",
    "Maastricht",
    "Venlo",
    "Deventer",
    "Apeldoorn",
    "Amersfoort",
]
CONSENTS = ("name", "organisation", "anonymous", "anonymous", "room")


def text_of(rng: random.Random, english: bool) -> str:
    words, filler = (ENGLISH, FILLER_EN) if english else (DUTCH, FILLER)
    return " ".join(
        rng.choice(words) if rng.random() < 0.55 else rng.choice(filler)
        for _ in range(rng.randint(6, 40))
    ).capitalize()


def fill(insights: int, seed: int = 18) -> list[int]:
    """Bulk-insert the library; answer the event ids."""
    from sqlalchemy import insert, select

    from workshop import tags
    from workshop.domain import fulltext
    from workshop.extensions import db
    from workshop.models import Event, Insight, Participant, Session, Table

    rng = random.Random(seed)
    connection = db.session.connection()
    now = datetime.now(UTC)
    connection.execute(
        insert(Event),
        [{"name": f"Energiedag {n + 1}", "created_at": now} for n in range(10)],
    )
    events = list(connection.execute(select(Event.id).order_by(Event.id)).scalars())
    sessions = 250
    connection.execute(
        insert(Session),
        [
            {
                "code": f"B{n:05d}",
                "title": f"Wijkaanpak {PLACES[n % len(PLACES)]} {n}",
                "language": "en" if n % 10 == 9 else "nl",
                "state": "closed",
                "facilitator_key_hash": uuid.uuid4().hex,
                "settings": {},
                "event_id": events[n % len(events)],
                "publication_slug": uuid.uuid4().hex,
                "publication_listed": True,
                "published_at": now,
                "created_at": now - timedelta(days=sessions - n),
            }
            for n in range(sessions)
        ],
    )
    session_rows = connection.execute(select(Session.id, Session.language).order_by(Session.id))
    session_rows = list(session_rows)
    connection.execute(
        insert(Table),
        [
            {"session_id": sid, "name": f"Tafel {t + 1}", "question": "", "position": t}
            for sid, _language in session_rows
            for t in range(3)
        ],
    )
    tables = {}
    for table_id, sid in connection.execute(select(Table.id, Table.session_id).order_by(Table.id)):
        tables.setdefault(sid, []).append(table_id)
    types = tags.keys("organisation_types")
    connection.execute(
        insert(Participant),
        [
            {
                "session_id": sid,
                "token_hash": uuid.uuid4().hex,
                "name": f"Deelnemer {p}",
                "organisation_type": rng.choice(types),
                "organisation": rng.choice(["", "gemeente", "woningcorporatie", "VvE Blok 4"]),
                "place": rng.choice(PLACES),
                "quote_consent": rng.choice(CONSENTS),
                "created_at": now,
            }
            for sid, _language in session_rows
            for p in range(16)
        ],
    )
    people = {}
    for pid, sid in connection.execute(
        select(Participant.id, Participant.session_id).order_by(Participant.id)
    ):
        people.setdefault(sid, []).append(pid)
    kinds, perspectives, phases = (tags.keys(k) for k in ("kinds", "perspectives", "phases"))
    per_session = insights // sessions
    start = now - timedelta(days=300)
    batch = []
    for number, (sid, language) in enumerate(session_rows):
        for n in range(per_session):
            index = number * per_session + n
            batch.append(
                {
                    "session_id": sid,
                    "table_id": tables[sid][n % 3],
                    "participant_id": people[sid][n % 16],
                    "client_id": uuid.uuid4().hex,
                    "text": text_of(rng, language == "en"),
                    "kind": rng.choice(kinds),
                    "perspectives": rng.sample(perspectives, rng.randint(0, 2)),
                    "phase": rng.choice([None, *phases]),
                    "status": "hidden" if rng.random() < 0.05 else "visible",
                    "withheld": False,
                    "pinned": False,
                    "anonymous": False,
                    "votes": 0,
                    "round": 1,
                    "seq": n + 1,
                    "created_at": start + timedelta(minutes=index * 4),
                    "updated_at": start + timedelta(minutes=index * 4),
                }
            )
            if len(batch) == 5000:
                connection.execute(insert(Insight), batch)
                batch = []
    if batch:
        connection.execute(insert(Insight), batch)
    fulltext.rebuild(connection)
    db.session.commit()
    return events


def queries(events: list[int]) -> list[dict]:
    return [
        {},
        {"q": "bewoner"},
        {"q": "financiering"},
        {"q": "warmtepomp isolatie"},
        {"q": "gemeente subsidie lening"},
        {"q": "residents"},
        {"q": "zeldzaamwoord"},
        {"kind": "lesson"},
        {"perspective": "residents"},
        {"place": "Tilburg"},
        {"event": str(events[3])},
        {"q": "bewoners", "perspective": "affordability"},
        {"q": "vertrouwen", "organisation_type": "municipality", "phase": "phase_1"},
        {"q": "keukentafel", "kind": "tip", "place": "Breda", "event": str(events[1])},
        {"page": "40"},
        {"q": "energie", "page": "10"},
    ]


def run(label: str, url: str, insights: int, rounds: int, budget: float) -> list[float]:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from workshop import create_app
    from workshop.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "PUBLIC_URL": "http://bench.local",
            "ORGANISER_TOKEN": "bench",
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        events = fill(insights)
        filled = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: statistics, and the visibility map
            # that lets the covering index answer without visiting each row.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as raw:
                raw.execute(text("VACUUM ANALYZE"))
        count = db.session.execute(text("SELECT count(*) FROM insight")).scalar()
    print(f"\n{label}: {count:,} insights filled in {filled:.1f} s")
    client = app.test_client()
    mix = queries(events)
    times: dict[int, list[float]] = {n: [] for n in range(len(mix))}
    totals = {}
    deadline = time.monotonic() + budget
    client.get("/api/v1/library")  # warm up (templates, caches)
    for _round in range(rounds):
        for n, args in enumerate(mix):
            if time.monotonic() > deadline:
                break
            began = time.perf_counter()
            response = client.get("/api/v1/library", query_string=args)
            times[n].append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.text
            totals[n] = response.get_json()["total"]
    print(f"{'query':<62}{'results':>9}{'p50 ms':>9}{'p95 ms':>9}")
    everything = []
    for n, args in enumerate(mix):
        if not times[n]:
            continue
        everything += times[n]
        shown = "&".join(f"{k}={v}" for k, v in args.items()) or "(everything)"
        print(
            f"{shown:<62}{totals[n]:>9,}{statistics.median(times[n]):>9.0f}"
            f"{percentile(times[n], 0.95):>9.0f}"
        )
    print(
        f"{'all ' + str(len(everything)) + ' requests':<71}"
        f"{statistics.median(everything):>9.0f}{percentile(everything, 0.95):>9.0f}"
    )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return everything


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--insights", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--budget", type=float, default=60, help="seconds of queries per database")
    args = parser.parse_args()

    from tests.support.server import TEST_DATABASE_URL

    folder = Path(tempfile.mkdtemp(prefix="library-bench-"))
    run("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}", args.insights, args.rounds, args.budget)
    if TEST_DATABASE_URL:
        import sqlalchemy as sa

        database = f"aantafel_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
        try:
            url = TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + database
            run("PostgreSQL", url, args.insights, args.rounds, args.budget)
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
