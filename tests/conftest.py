"""Fixtures: an app on a fresh database, a live server started as a user starts it, and factories.

With TEST_DATABASE_URL and TEST_REDIS_URL set (the second run of `make test`), every fixture uses
PostgreSQL and Redis instead of SQLite and one process.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
ORGANISER_TOKEN = "test-organiser-token-0123456789abcdef"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: not run in the PostgreSQL + Redis pass")
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

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self) -> None:
        self.stop()
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

    def connect(code, role="wall", token=None, server=None):
        client = SocketClient(
            (server or live_server).url, {"session": code, "role": role, "token": token}
        )
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()
