"""Test support: the live server, the app's one test config, the HTTP helper, socket clients and
factories. bench/ and scripts/ import the live server from here too."""

from .app import app_config, make_app, snapshot
from .closing import closed_after
from .factories import Room
from .http import Api, Reply, insight_body
from .server import (
    ORGANISER_TOKEN,
    ROOT,
    TEST_DATABASE_URL,
    TEST_REDIS_URL,
    LiveServer,
    free_port,
    fresh_database_url,
    raise_open_file_limit,
)
from .sockets import InsightMirror, ResyncingSocket, SocketClient, run_async

__all__ = [
    "ORGANISER_TOKEN",
    "ROOT",
    "TEST_DATABASE_URL",
    "TEST_REDIS_URL",
    "Api",
    "InsightMirror",
    "LiveServer",
    "Reply",
    "ResyncingSocket",
    "Room",
    "SocketClient",
    "app_config",
    "closed_after",
    "free_port",
    "fresh_database_url",
    "insight_body",
    "make_app",
    "raise_open_file_limit",
    "run_async",
    "snapshot",
]
