"""The app's own work per post, without the fan-out: CPU time and SQL statements per `insight:post`.

    python bench/post_path.py --posts 1000

In one process, on a fresh SQLite file: one session, one phone (Flask-SocketIO's test client) and
one wall. Each post goes through the real socket handler (auth, budget, validation, seq, insert,
commit, broadcast, ack); rooms hold two sockets, so what is timed is the app's work rather than
the per-recipient sending that the plain reference server pays just the same. CPU time
(`time.process_time`) is steadier than latency on a shared machine.
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds")
    args = parser.parse_args()
    if not 1 <= args.posts <= 10000:
        raise SystemExit("keep it bounded: 1-10000 posts")

    from flask_migrate import upgrade
    from sqlalchemy import event

    from workshop import create_app
    from workshop.extensions import db, socketio
    from workshop.ratelimit import reset_all

    with tempfile.TemporaryDirectory(prefix="aantafel-post-path-") as workdir:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite3",
                "PUBLIC_URL": "http://127.0.0.1",
                "ORGANISER_TOKEN": "bench-organiser-token-0123456789abcdef",
                "REDIS_URL": None,
            }
        )
        with app.app_context():
            upgrade()
        http = app.test_client()
        token = {"Authorization": "Bearer bench-organiser-token-0123456789abcdef"}
        created = http.post(
            "/api/v1/sessions",
            json={"title": "Bench", "language": "nl", "template": "wijkaanpak"},
            headers=token,
        ).get_json()
        key = {"Authorization": f"Bearer {created['facilitator_key']}"}
        http.patch(f"/api/v1/sessions/{created['code']}", json={"state": "open"}, headers=key)
        table_id = created["tables"][0]["id"]
        wall = socketio.test_client(app, auth={"session": created["code"], "role": "wall"})
        statements = []
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        rounds = []
        for _ in range(args.rounds):
            reset_all()  # a fresh budget: this measures work, not the rate limit
            phone = http.post(
                f"/api/v1/sessions/{created['code']}/participants",
                json={"table_id": table_id, "name": "Sanne"},
            ).get_json()
            author = socketio.test_client(
                app,
                auth={"session": created["code"], "role": "participant", "token": phone["token"]},
            )
            statements.clear()
            cpu = []
            for k in range(args.posts):
                if k % 20 == 0:
                    reset_all()
                body = {"client_id": str(uuid.uuid4()), "table_id": table_id, "text": f"I {k}"}
                started = time.process_time()
                ack = author.emit("insight:post", body, callback=True)
                cpu.append(time.process_time() - started)
                assert ack["ok"], ack
                author.get_received()
                wall.get_received()
            author.disconnect()
            rounds.append((statistics.fmean(cpu) * 1000, len(statements) / args.posts))
        best = min(rounds)
        print(
            f"post path: {args.posts} posts x {args.rounds} rounds; best round "
            f"{best[0]:.3f} ms CPU per post, {best[1]:.1f} SQL statements per post "
            f"(all rounds: {', '.join(f'{ms:.3f}' for ms, _ in rounds)} ms)"
        )


if __name__ == "__main__":
    main()
