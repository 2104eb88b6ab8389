"""The fixtures every test file may use; tests/conftest.py imports them all."""

import functools

import pytest

from . import factories
from .app import dispose, make_app, share_url_builders, snapshot
from .closing import closed_after
from .http import Api
from .server import ORGANISER_TOKEN, LiveServer
from .sockets import SocketClient

share_url_builders()


@pytest.fixture
def app(tmp_path):
    from workshop.ratelimit import reset_all

    reset_all()
    app = make_app(tmp_path)
    yield app
    dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live")).start()
    yield server
    server.stop()


@pytest.fixture
def own_server(tmp_path):
    """A live server of the test's own, for tests that stop and start it."""
    server = LiveServer(tmp_path).start()
    yield server
    server.stop(quick=True)


@pytest.fixture(scope="module")
def api(live_server):
    """The HTTP helper against the live server."""
    return Api(live_server.url)


@pytest.fixture
def api_client(client):
    """The same helper against the in-process test client (fast, no server)."""
    return Api(client)


@pytest.fixture
def make_session(api_client):
    """`make_session(**body)`: an open session made in process (a `Room`)."""
    return functools.partial(factories.make_session, api_client)


@pytest.fixture
def make_live_session(api):
    """`make_live_session(**body)`: an open session made on the live server (a `Room`)."""
    return functools.partial(factories.make_session, api)


@pytest.fixture
def room(make_session):
    """An open session made in process, with the template's tables (a `Room`)."""
    return make_session()


@pytest.fixture
def live_room(make_live_session):
    """An open session made on the live server (a `Room`)."""
    return make_live_session()


@pytest.fixture
def targets(app, make_session, join, post):
    """Every id a path can name, for hostile-input tests: an open session, its first table, a
    participant, another participant's insight, an event, and the credentials of each role.
    Made once per test run and copied into each test's database (`snapshot`)."""

    def build():
        room = make_session()
        me = join(room, name="Fuzz")["token"]
        insight = post(room, join(room, name="Ander")["token"]).json()["id"]
        event = room.api.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "E"}).json()
        return {
            "code": room.code,
            "table": room.table,
            "insight": insight,
            "event": event["id"],
            "tokens": {"facilitator": room.key, "participant": me, "organiser": ORGANISER_TOKEN},
        }

    return snapshot(app, "targets", build)


@pytest.fixture
def join():
    """`join(room, table_id=None, **body)`: a participant's join answer, with its token."""
    return factories.join


@pytest.fixture
def post():
    """`post(room, token, text=None, table_id=None, **body)`: an insight's HTTP response."""
    return factories.post


@pytest.fixture
def sockets(live_server):
    """Open socket clients against the live server; all are closed after the test."""

    def connect(code, role="wall", token=None, server=None, headers=None):
        auth = {"session": code, "role": role, "token": token}
        return SocketClient((server or live_server).url, auth, headers)

    with closed_after(connect) as opened:
        yield opened
