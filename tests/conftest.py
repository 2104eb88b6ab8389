"""Fixtures (from tests/support) and the test tiers.

Every test gets one tier marker, from the folder it is in and what it uses, so that
`pytest -m "domain or http"` runs the fast ones (docs/ARCHITECTURE.md, "Tests"):
- browser: tests/e2e, Chromium against a live server;
- live: a server started as `python app.py` (the live_server, own_server or sockets fixtures, or a
  LiveServer of the test's own), or another Python process the test starts (`sys.executable`);
- slow: in process, but load-sized (a room of 1,000 phones): marked `@pytest.mark.slow` in its file;
- socket: Socket.IO in process (`socketio.test_client`);
- http: HTTP in process (the Flask test client);
- domain: the rest (domain functions in an app context, pure functions).

With TEST_DATABASE_URL and TEST_REDIS_URL set (the second run of `make test`), every fixture uses
PostgreSQL and Redis instead of SQLite and one process.
"""

import contextlib
import inspect
from pathlib import Path

from tests.support.fixtures import *  # noqa: F403 (the fixtures, made available to every test)

TIERS = {
    "domain": "domain functions and pure functions, in process",
    "http": "HTTP in process (Flask test client)",
    "socket": "Socket.IO in process (socketio.test_client)",
    "live": "a live server (python app.py in a subprocess) or another Python process",
    "slow": "in process, but load-sized (1,000 phones); marked @pytest.mark.slow by its file",
    "browser": "Chromium against a live server (tests/e2e)",
}
E2E = Path(__file__).parent / "e2e"
LIVE_FIXTURES = {"live_server", "own_server", "api", "sockets", "make_live_session"}
HTTP_FIXTURES = {"client", "api_client", "make_session", "csrf_client"}


def pytest_configure(config):
    for tier, meaning in TIERS.items():
        config.addinivalue_line("markers", f"{tier}: tier, {meaning} (set by tests/conftest.py)")
    config.addinivalue_line("markers", "scaleout: needs PostgreSQL and Redis")


def source_of(item) -> str:
    """The test's source and that of the fixtures it uses (where a server is started)."""
    functions = [item.function] + [
        definition.func
        for definitions in item._fixtureinfo.name2fixturedefs.values()
        for definition in definitions
    ]
    sources = []
    for function in functions:
        with contextlib.suppress(OSError, TypeError):  # built in, or no source file
            sources.append(inspect.getsource(function))
    return "\n".join(sources)


def tier_of(item) -> str:
    if E2E in Path(item.fspath).parents:
        return "browser"
    if item.get_closest_marker("slow"):
        return "slow"
    fixtures = set(item.fixturenames)
    source = source_of(item)
    if fixtures & LIVE_FIXTURES or "LiveServer(" in source or "[sys.executable" in source:
        return "live"
    if "socketio.test_client" in source:
        return "socket"
    if fixtures & HTTP_FIXTURES or ".test_client(" in source:
        return "http"
    return "domain"


def pytest_collection_modifyitems(config, items):
    for item in items:
        tier = tier_of(item)
        if tier != "slow":  # a slow test carries its marker already
            item.add_marker(tier)
