"""Export 5,000 insights in every harvest format and print how long each takes.

    python bench/export_bench.py [--insights 5000] [--repeat 3]

Builds a session on a fresh SQLite database in a temporary folder (three tables, 300 participants,
votes, a summary per table), then times `harvest.export` per format: the same call the API and
the CLI make. Prints the best of `--repeat` runs and the file size.
"""

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = [
    *("bewoners", "warmtenet", "isolatie", "vertrouwen", "gemeente", "corporatie", "VvE"),
    *("subsidie", "wijkaanpak", "netbeheerder", "buurtcoach", "café", "één", "ëën", "🌱"),
    *("aardgasvrij", "warmtepomp", "lening", "participatie"),
]


def build(insights: int):
    from workshop import domain, tags
    from workshop.extensions import db
    from workshop.models import Insight, Participant, TableSummary, Vote

    session, _ = domain.create_session("Benchmark: de wijkaanpak", "nl", "wijkaanpak")
    domain.change_state(session, "open")
    rng = random.Random(7)
    people = [
        Participant(
            session_id=session.id,
            token_hash=uuid.uuid4().hex,
            name=f"Deelnemer {n}" if n % 3 else "",
            organisation_type=rng.choice(tags.keys("organisation_types")),
            table_id=session.tables[n % 3].id,
        )
        for n in range(300)
    ]
    db.session.add_all(people)
    db.session.flush()
    start = datetime.now(UTC) - timedelta(hours=2)
    rows = []
    for n in range(insights):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
        rows.append(
            Insight(
                session_id=session.id,
                table_id=session.tables[n % 3].id,
                participant_id=people[n % len(people)].id,
                client_id=uuid.uuid4().hex,
                text=f'"{text}"; regel {n}\nnog een regel' if n % 10 == 0 else text,
                kind=rng.choice(tags.keys("kinds")),
                perspectives=rng.sample(tags.keys("perspectives"), rng.randint(0, 2)),
                phase=rng.choice([None, *tags.keys("phases")]),
                round=1 + n * 3 // insights,
                seq=n + 1,
                created_at=start + timedelta(seconds=n),
                votes=0,
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    votes = {(rng.choice(rows).id, rng.choice(people).id) for _ in range(insights)}
    db.session.add_all(Vote(insight_id=i, participant_id=p) for i, p in votes)
    counts = {}
    for insight_id, _ in votes:
        counts[insight_id] = counts.get(insight_id, 0) + 1
    for row in rows:
        row.votes = counts.get(row.id, 0)
    for table in session.tables:
        db.session.add(TableSummary(table_id=table.id, text="Kernboodschap van de tafel."))
    db.session.commit()
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--insights", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from workshop import create_app, harvest

    folder = Path(tempfile.mkdtemp(prefix="export-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "PUBLIC_URL": "http://bench.local",
            "ORGANISER_TOKEN": "bench",
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        upgrade()
        built = time.perf_counter()
        session = build(args.insights)
        print(
            f"Built a session with {args.insights:,} insights in {time.perf_counter() - built:.1f} s"
        )
        print(f"{'format':<8}{'best (s)':>10}{'size (KB)':>12}")
        for fmt in harvest.FORMATS:
            best, size = float("inf"), 0
            for _ in range(args.repeat):
                from workshop.extensions import db

                db.session.expire_all()  # read from the database each time, as a request does
                started = time.perf_counter()
                size = len(harvest.export([session], fmt, {}).stream.getvalue())
                best = min(best, time.perf_counter() - started)
            print(f"{fmt:<8}{best:>10.2f}{size / 1024:>12,.0f}")


if __name__ == "__main__":
    main()
