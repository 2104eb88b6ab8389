"""Fixtures: an app on a fresh database, a live server started as a user starts it, and factories.

With TEST_DATABASE_URL and TEST_REDIS_URL set (the second run of `make test`), every fixture uses
PostgreSQL and Redis instead of SQLite and one process.
"""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from hashlib import sha1
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
ORGANISER_TOKEN = "test-organiser-token-0123456789abcdef"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def pytest_configure(config):
    config.addinivalue_line("markers", "scaleout: needs PostgreSQL and Redis")


def fresh_database_url(tmp_path: Path) -> str:
    """A new empty database: a SQLite file, or a new PostgreSQL database on the test server."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    name = f"aantafel_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app(tmp_path):
    from flask_migrate import upgrade

    from workshop import create_app
    from workshop.ratelimit import reset_all

    reset_all()
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path),
            "PUBLIC_URL": "http://aantafel.test",
            "ORGANISER_TOKEN": ORGANISER_TOKEN,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from workshop.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


class LiveServer:
    """`python app.py` in a subprocess on a free port, with its own database."""

    def __init__(
        self, tmp_path: Path, extra_env: dict | None = None, database_url: str | None = None
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url or fresh_database_url(tmp_path)
        self.log_path = tmp_path / f"server-{self.port}.log"
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "PUBLIC_URL": self.url,
            "DATABASE_URL": self.database_url,
            "ORGANISER_TOKEN": ORGANISER_TOKEN,
            "SECRET_KEY": "test-secret-key",
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
            [sys.executable, "app.py"], cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()}")
            try:
                if requests.get(self.url + "/api/v1/openapi.json", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()}")

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

    def kill_workers(self) -> None:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = children.read_text().split() if children.exists() else []
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)

    def restart(self, quick: bool = False) -> None:
        self.stop(quick=quick)
        self.start()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live")).start()
    yield server
    server.stop()


class Api:
    """A thin HTTP client for the v1 API, the way organisers' tools use it."""

    def __init__(self, base_url: str):
        self.base = base_url + "/api/v1"
        self.http = requests.Session()

    def call(self, method, path, token=None, expect=None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.request(
            method, self.base + path, headers=headers, timeout=10, **kwargs
        )
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def create_session(
        self, title="Aan tafel met de wijkaanpak", template="wijkaanpak", state="open", **body
    ):
        created = self.call(
            "POST",
            "/sessions",
            ORGANISER_TOKEN,
            201,
            json={"title": title, "language": "nl", "template": template, **body},
        ).json()
        if state != "draft":
            self.call(
                "PATCH",
                f"/sessions/{created['code']}",
                created["facilitator_key"],
                200,
                json={"state": state},
            )
        return created

    def join(self, code, table_id=None, **body):
        return self.call(
            "POST",
            f"/sessions/{code}/participants",
            json={"table_id": table_id, **body},
            expect=201,
        ).json()

    def post(self, code, token, table_id, text="Bewoners willen eerst weten wat het kost.", **body):
        body = {"client_id": str(uuid.uuid4()), "table_id": table_id, "text": text, **body}
        return self.call("POST", f"/sessions/{code}/insights", token, json=body)


@pytest.fixture(scope="module")
def api(live_server):
    return Api(live_server.url)


@pytest.fixture
def api_client(client):
    """The same helper against the in-process test client (fast, no server)."""
    return TestApi(client)


class TestApi(Api):
    __test__ = False

    def __init__(self, client):
        self.client = client
        self.base = "/api/v1"

    def call(self, method, path, token=None, expect=None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = Reply(
            self.client.open(self.base + path, method=method, headers=headers, **kwargs)
        )
        if expect is not None:
            assert response.status_code == expect, response.text
        return response


class Reply:
    """A Flask test response that reads like a `requests` response."""

    def __init__(self, response):
        self.raw = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.content = response.get_data()
        self.text = response.get_data(as_text=True)

    def json(self):
        return self.raw.get_json()


class SocketClient:
    """A real python-socketio client that records every event it receives."""

    def __init__(self, url: str, auth: dict, headers: dict | None = None):
        import socketio

        self.events: list[tuple[str, object]] = []
        self.condition = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record)
        self.sio.connect(
            url, auth=auth, transports=["websocket"], headers=headers or {}, wait_timeout=10
        )

    def _record(self, event, data=None):
        with self.condition:
            self.events.append((event, data))
            self.condition.notify_all()

    def received(self, event: str) -> list:
        with self.condition:
            return [data for name, data in self.events if name == event]

    def wait_for(self, event: str, predicate=lambda data: True, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                for name, data in self.events:
                    if name == event and predicate(data):
                        return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no {event} matching within {timeout}s; got {self.events!r}"
                    )
                self.condition.wait(remaining)

    def call(self, event: str, data=None, timeout: float = 5.0):
        return self.sio.call(event, data, timeout=timeout)

    def close(self):
        self.sio.disconnect()


@pytest.fixture
def sockets(live_server):
    """Open socket clients against the live server; all are closed after the test."""
    opened = []

    def connect(code, role="wall", token=None, server=None, headers=None):
        client = SocketClient(
            (server or live_server).url, {"session": code, "role": role, "token": token}, headers
        )
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()


class InsightMirror:
    """What static/js/live.js keeps: each insight's latest state, applied once per (id, seq).

    Tests drive it with live events and resync answers and check that nothing is missed, nothing
    comes back from the dead, and no change is applied twice.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.versions: dict[int, tuple[int, bool]] = {}
        self.insights: dict[int, dict] = {}
        self.last_seq = 0
        self.confirmed_seq = 0  # only a resync answer moves it, as in live.js
        self.applied: list[tuple[int, int]] = []  # (id, seq) of every change applied
        self.skipped = 0  # payloads recognised as already seen or stale

    def apply(self, payload) -> bool:
        if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
            return False
        with self.lock:
            seq, stub = payload.get("seq") or 0, "text" not in payload
            self.last_seq = max(self.last_seq, seq)
            known = self.versions.get(payload["id"])
            if known and (seq < known[0] or (seq == known[0] and not (known[1] and not stub))):
                self.skipped += 1
                return False
            self.versions[payload["id"]] = (seq, stub)
            self.applied.append((payload["id"], seq))
            if payload.get("status") == "hidden" and stub:
                self.insights.pop(payload["id"], None)
            else:
                self.insights[payload["id"]] = {**self.insights.get(payload["id"], {}), **payload}
            return True

    def since(self) -> int:
        return self.confirmed_seq

    def resynced(self, answer: dict) -> int:
        """Apply a resync answer; return how many payloads it held."""
        for payload in answer["insights"]:
            self.apply(payload)
        self.confirmed_seq = max(self.confirmed_seq, answer["seq"])
        return len(answer["insights"])

    def duplicates(self) -> int:
        """Changes applied more than once: must stay 0."""
        return len(self.applied) - len(set(self.applied))

    def visible(self) -> dict[int, dict]:
        return {i: p for i, p in self.insights.items() if p.get("status") == "visible"}


class ResyncingSocket:
    """A python-socketio Client that reconnects by itself and resyncs from its last seq, as live.js."""

    def __init__(self, url: str, auth: dict):
        import socketio

        self.mirror = InsightMirror()
        self.connects = 0
        self.resyncs = 0
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2)
        self.sio.on("connect", self._on_connect)
        for event in ("insight:new", "insight:update", "insight:remove"):
            self.sio.on(event, self.mirror.apply)
        self.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    def _on_connect(self):
        self.connects += 1
        self.sio.start_background_task(self.resync)

    def resync(self):
        try:
            answer = self.sio.call("resync", {"since": self.mirror.since()}, timeout=10)
        except Exception:  # dropped again: the next connect resyncs
            return
        self.mirror.resynced(answer)
        self.resyncs += 1

    def wait_until(self, predicate, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached within {timeout}s: {self.mirror.insights!r}")
            time.sleep(0.05)

    def close(self):
        self.sio.disconnect()


@pytest.fixture
def own_server(tmp_path):
    """A live server of the test's own, for tests that stop and start it."""
    server = LiveServer(tmp_path).start()
    yield server
    server.stop(quick=True)


def run_async(coroutine):
    """asyncio.run in a thread of its own: Playwright's sync API keeps a loop in the main thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
