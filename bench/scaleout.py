"""Scale-out: a conference across P server processes sharing PostgreSQL and a Redis queue.

Starts P `python app.py` processes on free loopback ports, all on one fresh PostgreSQL database
and one Redis message queue (the first migrates, the rest start with MIGRATE_ON_START=0), and
runs bench/conference.py's conference on them: S sessions of N phones, posts, votes, rounds and
moderation. Phone n of session s talks to process (s + n) mod P and the session's console to
process s mod P; by default every session has a wall on every process, so each insight, posted
through whichever process its phone uses, has to reach walls on all of them through Redis. The
figures are split by the wall's process and by whether the post crossed processes. Rate-limit
budgets are shared through Redis (workshop/ratelimit.py): the load generator, one address,
joins and connects at the pace the shared per-address budgets allow.
The database and the Redis channel are this run's own and go afterwards.

    python bench/scaleout.py --processes 4 --sessions 40 --phones 100 --rate 20 --duration 60

--database-url and --redis-url default to the ones in .test-services.env (scripts/services.sh).
"""

import asyncio
import re
import sys
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402
    ROOT,
    Server,
    check_loopback,
    machine,
    raise_open_file_limit,
    stop_on_sigterm,
    write_result,
)
from conference import arguments, bounded, print_errors, quiet, run_for, summary  # noqa: E402

from tests.support.server import create_postgres_database  # noqa: E402


def test_services() -> dict:
    """TEST_DATABASE_URL and TEST_REDIS_URL from .test-services.env, if scripts/services.sh ran."""
    path = ROOT / ".test-services.env"
    found = {}
    if path.exists():
        for name, value in re.findall(r"export (\w+)=(\S+)", path.read_text()):
            found[name] = value
    return found


def drop_database(server_url: str, database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main():
    services = test_services()
    parser = arguments(__doc__)
    parser.set_defaults(sessions=40, phones=100, duration=60, walls=None)
    parser.add_argument("--processes", "-p", type=int, default=4, help="server processes")
    parser.add_argument("--database-url", default=services.get("TEST_DATABASE_URL"))
    parser.add_argument("--redis-url", default=services.get("TEST_REDIS_URL"))
    parser.add_argument("--logs", help="keep the servers' logs in this directory")
    args = parser.parse_args()
    if not 1 <= args.processes <= 8:
        raise SystemExit("keep it bounded: 1-8 server processes")
    args.walls = args.walls or args.processes  # a wall of every session on every process
    bounded(args)
    if not (args.database_url and args.redis_url):
        raise SystemExit(
            "needs PostgreSQL and Redis: pass --database-url and --redis-url, "
            "or run scripts/services.sh first (it writes .test-services.env)"
        )
    check_loopback(args.database_url)
    check_loopback(args.redis_url)
    raise_open_file_limit()
    stop_on_sigterm()
    quiet()
    database_url = create_postgres_database(args.database_url)
    env = {"REDIS_URL": args.redis_url, "SOCKETIO_CHANNEL": f"aantafel-bench-{uuid.uuid4().hex}"}
    servers = []
    try:
        with tempfile.TemporaryDirectory(prefix="aantafel-bench-") as workdir:
            if args.logs:
                workdir = Path(args.logs)
                workdir.mkdir(parents=True, exist_ok=True)
            servers.append(Server(Path(workdir), database_url, env))  # stopped even if
            servers[0].start()  # interrupted while starting
            for _ in range(args.processes - 1):
                later = Server(Path(workdir), database_url, {**env, "MIGRATE_ON_START": "0"})
                servers.append(later)
                later.start()
            pids = [pid for server in servers for pid in server.pids()]
            result = asyncio.run(run_for(args, [s.url for s in servers], pids))
    except BaseException:
        for server in servers:
            print_errors(server)
        raise
    finally:
        for server in servers:
            server.stop()
        drop_database(args.database_url, database_url)
        forget_channel(args.redis_url, env["SOCKETIO_CHANNEL"])
    result |= {
        "benchmark": "scaleout",
        "label": args.label,
        "machine": machine(),
        "engines": "PostgreSQL + Redis message queue and rate-limit budgets",
    }
    print(summary(result))
    print(f"  JSON: {write_result('scaleout', result)}")


def forget_channel(redis_url: str, channel: str) -> None:
    """Delete the run's rate-limit keys (they would expire on their own within minutes)."""
    import redis

    shared = redis.Redis.from_url(redis_url)
    keys = list(shared.scan_iter(match=f"{channel}:limits:*", count=1000))
    if keys:
        shared.delete(*keys)


if __name__ == "__main__":
    main()
