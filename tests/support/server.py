"""A live server started as a user starts it (`python app.py`), for tests, benchmarks and scripts.

No pytest here: bench/benchlib.py and scripts/ import it too. With TEST_DATABASE_URL and
TEST_REDIS_URL set (the second run of `make test`), servers use PostgreSQL and Redis.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from hashlib import sha1
from pathlib import Path

import requests

from workshop.openfiles import raise_open_file_limit

ROOT = Path(__file__).resolve().parents[2]
ORGANISER_TOKEN = "test-organiser-token-0123456789abcdef"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
# What a server is given by its starter, never taken from the caller's shell.
NOT_INHERITED = ("REDIS_URL", "SOCKETIO_CHANNEL", "MIGRATE_ON_START", "ACCESS_LOG")

__all__ = ["raise_open_file_limit"]  # one copy, in workshop/openfiles.py (app.py calls it too)


def fresh_database_url(folder: Path, name: str = "test") -> str:
    """A new empty database: a SQLite file, or a new PostgreSQL database on the test server."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{folder / f'{name}.sqlite3'}"
    return create_postgres_database(TEST_DATABASE_URL)


def create_postgres_database(server_url: str, prefix: str = "aantafel") -> str:
    """A new empty database on the PostgreSQL server that `server_url` points at: its URL."""
    import sqlalchemy as sa

    database = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """`python app.py` (gunicorn master + one gevent worker) in a subprocess on a free port.

    It has a database of its own unless given one (servers sharing a database form a scale-out);
    `script` runs another server the same way (bench/reference_server.py).
    """

    root = ROOT  # the checkout it runs in (tests/test_start.py points it at a fresh copy)

    def __init__(
        self,
        workdir: Path,
        extra_env: dict | None = None,
        database_url: str | None = None,
        *,
        script: str = "app.py",
        organiser_token: str = ORGANISER_TOKEN,
        secret_key: str = "test-secret-key",
        start_timeout: float = 30,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.script = script
        self.start_timeout = start_timeout
        self.database_url = database_url or fresh_database_url(workdir, f"db-{self.port}")
        self.log_path = workdir / f"server-{self.port}.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in NOT_INHERITED},
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "PUBLIC_URL": self.url,
            "DATABASE_URL": self.database_url,
            "ORGANISER_TOKEN": organiser_token,
            "SECRET_KEY": secret_key,
            "MEDIA_DIR": str(workdir / f"media-{self.port}"),  # uploaded photos
            **({"REDIS_URL": TEST_REDIS_URL} if TEST_REDIS_URL else {}),
            # One channel per database: servers sharing a database hear each other, while other
            # test runs on the same Redis (whose session ids repeat) stay out.
            "SOCKETIO_CHANNEL": "aantafel-test-"
            + sha1(self.database_url.encode()).hexdigest()[:12],
            **(extra_env or {}),
        }
        self.process = None

    def start(self) -> "LiveServer":
        log = open(self.log_path, "ab")  # noqa: SIM115 (kept open for the process's lifetime)
        self.process = subprocess.Popen(
            [sys.executable, self.script], cwd=self.root, env=self.env, stdout=log, stderr=log
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/api/v1/openapi.json", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log_tail()}")

    def log_tail(self, characters: int = 3000) -> str:
        return self.log_path.read_text()[-characters:]

    def stop(self, quick: bool = False) -> None:
        """Stop the server; `quick` kills it (worker and master) the way a crash does."""
        if self.process and self.process.poll() is None:
            if quick:
                self.kill_workers()
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker_pids(self) -> list[int]:
        """gunicorn's workers, the processes that serve."""
        if not self.process:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_workers(self) -> None:
        for pid in self.worker_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def restart(self, quick: bool = False) -> None:
        self.stop(quick=quick)
        self.start()
