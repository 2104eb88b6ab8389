"""Production settings: proxy headers are trusted only when PROXY_HOPS says a proxy is in front."""

import pytest
from flask import jsonify, request

from tests.support import make_app
from workshop import config, create_app
from workshop.extensions import socketio


@pytest.mark.parametrize(
    ("hops", "seen"),
    [(0, ("127.0.0.1", "http", "localhost")), (1, ("203.0.113.7", "https", "tafel.example.org"))],
)
def test_forwarded_headers_only_with_proxy_hops(tmp_path, hops, seen):
    app = make_app(tmp_path, migrate=False, PROXY_HOPS=hops)

    @app.get("/_who")
    def who():
        return jsonify([request.remote_addr, request.scheme, request.host])

    response = app.test_client().get(
        "/_who",
        headers={
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "tafel.example.org",
        },
    )
    assert tuple(response.get_json()) == seen


@pytest.mark.parametrize("name", ["PROXY_HOPS", "TRUSTED_PROXIES"])
def test_one_proxy_setting_for_http_and_sockets(tmp_path, name):
    """PROXY_HOPS (or its former name TRUSTED_PROXIES) moves HTTP and the socket guard alike."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", name: "1"}
    settings = config.from_environment(str(tmp_path), env)
    assert settings["PROXY_HOPS"] == 1
    assert "TRUSTED_PROXIES" not in settings
    app = create_app({**settings, "TESTING": True, "REDIS_URL": None})

    @app.get("/_who")
    def who():
        return jsonify(request.remote_addr)

    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    assert app.test_client().get("/_who", headers=headers).get_json() == "203.0.113.7"
    guard = socketio.server.eio.aantafel_guard
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.7"}
    assert guard.address_of(environ) == "203.0.113.7"
