"""Production settings: proxy headers are trusted only when PROXY_HOPS says a proxy is in front."""

import pytest
from flask import jsonify, request

from workshop import create_app


@pytest.mark.parametrize(
    ("hops", "seen"),
    [(0, ("127.0.0.1", "http", "localhost")), (1, ("203.0.113.7", "https", "tafel.example.org"))],
)
def test_forwarded_headers_only_with_proxy_hops(tmp_path, hops, seen):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "PROXY_HOPS": hops,
            "REDIS_URL": None,
        }
    )

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
