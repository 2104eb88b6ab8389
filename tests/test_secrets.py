"""Secrets: what start-up prints, which tokens production accepts, throttled wrong keys, and a
signed cookie that never carries a key (it is signed, not encrypted: anyone holding it reads it)."""

import json
import os
import subprocess
import sys
import time
import zlib

import pytest
from itsdangerous import base64_decode

from tests.support import ORGANISER_TOKEN, ROOT
from workshop.config import ConfigError, from_environment

STRONG = "Zq3-vN8_kP1xR7tL0wY5mB2cH9dF4gJ6"


def cookie_payload(client) -> str:
    """The readable content of Flask's signed session cookie."""
    value = client.get_cookie("session").value
    compressed = value.startswith(".")
    data = base64_decode(value.lstrip(".").split(".")[0])
    return (zlib.decompress(data) if compressed else data).decode()


def test_the_console_cookie_holds_no_key(client, api_client):
    created = api_client.create_session()
    code, key = created["code"], created["facilitator_key"]
    assert client.get(f"/f/{code}?key={key}").status_code == 302
    payload = cookie_payload(client)
    assert key not in payload and code in payload
    page = client.get(f"/f/{code}")
    assert page.status_code == 200
    assert key not in page.get_data(as_text=True)  # the page hands its scripts a derived token
    # What the page hands its scripts works for the API and the socket, like the key.
    token = json.loads(page.get_data(as_text=True).split('"key": ')[1].split(",")[0])
    assert token != key
    changed = api_client.call("PATCH", f"/sessions/{code}", token, json={"title": "Nieuw"})
    assert changed.status_code == 200
    # Rotating the key retires the cookie and the page's token.
    api_client.call("POST", f"/sessions/{code}/facilitator-key", key, 200)
    assert client.get(f"/f/{code}").status_code == 403
    assert api_client.call("GET", f"/sessions/{code}/export.csv", token).status_code == 403


def test_the_organiser_cookie_holds_no_token(client):
    assert client.post("/o/login", data={"token": ORGANISER_TOKEN}).status_code == 302
    payload = cookie_payload(client)
    assert ORGANISER_TOKEN not in payload and "organiser" in payload
    assert client.get("/o/").status_code == 200 and b'name="token"' not in client.get("/o/").data
    client.post("/o/logout")
    assert b'name="token"' in client.get("/o/").data


def test_wrong_keys_are_throttled_per_address_without_locking_out_the_right_key(
    app, client, api_client
):
    from workshop.extensions import socketio

    created = api_client.create_session()
    code, key = created["code"], created["facilitator_key"]
    path = f"/sessions/{code}/export.csv"
    assert api_client.call("GET", path, key).status_code == 200  # this address knows the key
    started = time.monotonic()
    statuses = [api_client.call("GET", path, f"wrong-{n}").status_code for n in range(300)]
    refilled = (time.monotonic() - started) * 0.5  # one more try every 2 s
    assert statuses[:30] == [403] * 30
    assert statuses[30] == 429 and statuses[30:].count(403) <= refilled + 1, statuses
    limited = api_client.call("GET", path, "wrong-again")
    assert limited.json()["error"]["code"] == "too_many_wrong_keys"
    assert int(limited.headers["Retry-After"]) >= 1
    # Organiser tokens share the budget: guessing them is refused too.
    assert api_client.call("GET", "/events", "guess").status_code == 429
    assert client.post("/o/login", data={"token": "guess"}).status_code == 429
    # The key this address already used keeps working, over HTTP and the socket.
    assert api_client.call("GET", path, key).status_code == 200
    console = socketio.test_client(
        app, auth={"session": code, "role": "facilitator", "token": key}, flask_test_client=client
    )
    assert console.is_connected()
    console.disconnect()
    wrong = socketio.test_client(
        app, auth={"session": code, "role": "facilitator", "token": "x"}, flask_test_client=client
    )
    assert not wrong.is_connected()
    # Another address is not affected.
    elsewhere = client.get(
        f"/api/v1{path}",
        headers={"Authorization": "Bearer wrong"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert elsewhere.status_code == 403


def environment(tmp_path, **values) -> dict:
    return from_environment(str(tmp_path), {"SECRET_KEY": STRONG, **values})


@pytest.mark.parametrize("value", ["production ", " Production", "PRODUCTION\n"])
def test_production_is_recognised_with_spaces_and_capitals(tmp_path, value):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        from_environment(str(tmp_path), {"AANTAFEL_ENV": value})
    assert environment(tmp_path, AANTAFEL_ENV=value, ORGANISER_TOKEN=STRONG)["PRODUCTION"]


@pytest.mark.parametrize("value", ["prod", "staging", "production1"])
def test_an_unknown_environment_is_refused(tmp_path, value):
    with pytest.raises(ConfigError, match="AANTAFEL_ENV='.*' is not known"):
        environment(tmp_path, AANTAFEL_ENV=value)


@pytest.mark.parametrize("token", ["x", "a" * 31, "ab" * 30])
def test_production_refuses_a_weak_organiser_token(tmp_path, token):
    with pytest.raises(ConfigError, match="ORGANISER_TOKEN is too weak"):
        environment(tmp_path, AANTAFEL_ENV="production", ORGANISER_TOKEN=token)
    assert environment(tmp_path, ORGANISER_TOKEN=token)["ORGANISER_TOKEN"] == token  # laptop


def test_production_with_a_trailing_space_checks_the_secret_key_at_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ORGANISER_TOKEN")}
    env.update(AANTAFEL_ENV="production ", DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    started = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 1
    assert "Aan tafel cannot start: SECRET_KEY is not set" in started.stderr
    env.update(SECRET_KEY=STRONG, ORGANISER_TOKEN="x")
    started = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 1 and "ORGANISER_TOKEN is too weak" in started.stderr
    assert "Traceback" not in started.stderr


@pytest.mark.parametrize(
    "production, generated, shown",
    [(False, True, True), (True, True, False), (True, False, False), (False, False, False)],
)
def test_start_up_prints_the_token_only_for_a_laptop_that_made_it(
    app, capsys, production, generated, shown
):
    from workshop.cli import prepare

    app.config.update(PRODUCTION=production, ORGANISER_TOKEN_GENERATED=generated)
    prepare(app)
    printed = capsys.readouterr().out
    assert "organiser token:" in printed
    assert (ORGANISER_TOKEN in printed) is shown, printed


def test_production_start_up_prints_no_facilitator_link(app, capsys):
    """A first start on a laptop makes a demo session and prints its console link (with its key);
    production start-up output goes to logs, so it makes none and prints no key."""
    from workshop import domain
    from workshop.cli import prepare

    app.config.update(PRODUCTION=True)
    prepare(app)
    printed = capsys.readouterr().out
    assert "key=" not in printed and "Facilitator" not in printed, printed
    with app.app_context():
        assert not domain.any_session()
    app.config.update(PRODUCTION=False)
    prepare(app)
    assert "key=" in capsys.readouterr().out


def test_participant_and_host_tokens_do_not_spend_the_wrong_key_budget(client, api_client):
    from workshop import domain
    from workshop.models import Session

    created = api_client.create_session()
    code, key, table = created["code"], created["facilitator_key"], created["tables"][0]["id"]
    me = api_client.join(code, table)["token"]
    with client.application.app_context():
        session = Session.query.filter_by(code=code).one()
        host = domain.host_token(session, session.tables[0])
    for _ in range(40):
        assert api_client.call("GET", f"/sessions/{code}/insights", me).status_code == 200
        summary = api_client.call(
            "PUT", f"/sessions/{code}/tables/{table}/summary", host, json={"text": "Kern"}
        )
        assert summary.status_code == 200
    assert api_client.call("GET", f"/sessions/{code}/export.csv", "wrong").status_code == 403
    assert api_client.call("GET", f"/sessions/{code}/export.csv", key).status_code == 200
