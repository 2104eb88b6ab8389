"""Scale-out: the steady load across P server processes sharing PostgreSQL and a Redis queue.

Starts P `python app.py` processes on free loopback ports, all on one fresh PostgreSQL database
and one Redis message queue (the first migrates, the rest start with MIGRATE_ON_START=0). Phone n
talks to process n mod P and wall m to process (m + 1) mod P, so nearly every delivery crosses
processes through Redis. The database and the Redis channel are this run's own and go afterwards.

    python bench/scaleout.py --processes 4 --phones 3000 --walls 4 --rate 20 --duration 60

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
from benchlib import (
    ROOT,
    Server,
    check_loopback,
    machine,
    raise_open_file_limit,
    stop_on_sigterm,
    write_result,
)  # noqa: E402
from steady_load import arguments, bounded, quiet_clients, run, summary  # noqa: E402


def test_services() -> dict:
    """TEST_DATABASE_URL and TEST_REDIS_URL from .test-services.env, if scripts/services.sh ran."""
    path = ROOT / ".test-services.env"
    found = {}
    if path.exists():
        for name, value in re.findall(r"export (\w+)=(\S+)", path.read_text()):
            found[name] = value
    return found


def create_database(server_url: str) -> str:
    name = f"aantafel_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_database(server_url: str, database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main():
    services = test_services()
    parser = arguments(__doc__)
    parser.set_defaults(phones=3000, walls=4, phone_procs=1)
    parser.add_argument("--processes", "-p", type=int, default=4, help="server processes")
    parser.add_argument("--database-url", default=services.get("TEST_DATABASE_URL"))
    parser.add_argument("--redis-url", default=services.get("TEST_REDIS_URL"))
    args = parser.parse_args()
    bounded(args)
    if not 1 <= args.processes <= 8:
        raise SystemExit("keep it bounded: 1-8 server processes")
    if not (args.database_url and args.redis_url):
        raise SystemExit(
            "needs PostgreSQL and Redis: pass --database-url and --redis-url, "
            "or run scripts/services.sh first (it writes .test-services.env)"
        )
    check_loopback(args.database_url)
    check_loopback(args.redis_url)
    raise_open_file_limit()
    stop_on_sigterm()
    quiet_clients()
    database_url = create_database(args.database_url)
    env = {"REDIS_URL": args.redis_url, "SOCKETIO_CHANNEL": f"aantafel-bench-{uuid.uuid4().hex}"}
    servers = []
    try:
        with tempfile.TemporaryDirectory(prefix="aantafel-bench-") as workdir:
            first = Server(Path(workdir), database_url, env).start()
            servers.append(first)
            for _ in range(args.processes - 1):
                later = Server(Path(workdir), database_url, {**env, "MIGRATE_ON_START": "0"})
                servers.append(later.start())
            pids = [pid for server in servers for pid in server.pids()]
            result = asyncio.run(
                run(
                    [s.url for s in servers],
                    args.phones,
                    args.walls,
                    args.rate,
                    args.duration,
                    args.tables,
                    args.phone_procs,
                    args.posters,
                    not args.socketio_phones,
                    args.drain,
                    pids,
                )
            )
    finally:
        for server in servers:
            server.stop()
        drop_database(args.database_url, database_url)
    result |= {
        "benchmark": "scaleout",
        "label": args.label,
        "machine": machine(),
        "engines": "PostgreSQL + Redis message queue",
    }
    print(summary(result))
    print(f"  JSON: {write_result('scaleout', result)}")


if __name__ == "__main__":
    main()
