"""Malformed input that Python itself lets through gets a clear 4xx or an error ack, never a 500.

Three families reach a handler unless they are refused at the edge: JSON nested thousands deep
(RecursionError), digits such as "²" that `str.isdigit()` accepts and `int()` refuses, and lone
surrogates ("\\ud800") that `json` decodes and UTF-8 later refuses. Each case here answered 500
(or, over Socket.IO, no ack at all) before.
"""

import json
import time
import uuid

import pytest

from tests.support import ORGANISER_TOKEN
from tests.support.endpoints import JSON_ENDPOINTS, S, endpoint_id, target_url

DEEP = "[" * 20_000 + "]" * 20_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000
SURROGATE = "\ud800"


def send(client, targets, method, path, role, body: str):
    token = targets["tokens"].get(role)
    return client.open(
        target_url(path, targets),
        method=method,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS, ids=endpoint_id)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_json_nested_twenty_thousand_deep_is_a_400(client, targets, endpoint, body):
    response = send(client, targets, *endpoint, body)
    error = response.get_json()["error"]
    if endpoint[1] == S + "/tag-sets":  # a tag set file answers in its own words (and line)
        assert (response.status_code, error["code"]) == (422, "invalid_tag_set")
    else:
        assert response.status_code == 400, error
        assert error["code"] == "malformed_json"


def escaped(body: dict) -> str:
    """JSON text as a client sends it: the lone surrogate as the escape \\ud800 (valid JSON)."""
    text = json.dumps(body)
    assert "\\ud800" in text
    return text


def post_body(targets, **fields) -> dict:
    return {"client_id": str(uuid.uuid4()), "table_id": targets["table"], "text": "Goed", **fields}


SURROGATE_CASES = [
    ("POST", S + "/insights", "participant", lambda r: post_body(r, text="a" + SURROGATE)),
    ("POST", S + "/participants", None, lambda r: {"name": SURROGATE}),
    ("PATCH", S + "/participants/me", "participant", lambda r: {"name": SURROGATE}),
    ("POST", "/api/v1/sessions", "organiser", lambda r: {"title": SURROGATE}),
    ("POST", "/api/v1/sessions", "organiser", lambda r: {"title": "x", "description": SURROGATE}),
    ("PATCH", S, "facilitator", lambda r: {"title": "x" + SURROGATE}),
    ("POST", S + "/tables", "facilitator", lambda r: {"name": SURROGATE}),
    ("PATCH", S + "/tables/{table}", "facilitator", lambda r: {"question": SURROGATE}),
    ("PATCH", S + "/tables/{table}", "facilitator", lambda r: {"host": SURROGATE}),
    ("PUT", S + "/tables/{table}/summary", "facilitator", lambda r: {"text": SURROGATE}),
    ("PATCH", S + "/insights/{insight}", "facilitator", lambda r: {"text": SURROGATE}),
    ("POST", S + "/rounds", "facilitator", lambda r: {"title": SURROGATE}),
    ("POST", "/api/v1/events", "organiser", lambda r: {"name": SURROGATE}),
    ("PATCH", S, "facilitator", lambda r: {SURROGATE: 1}),
]


@pytest.mark.parametrize("case", SURROGATE_CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_lone_surrogates_are_a_400(client, targets, case):
    method, path, role, body = case
    response = send(client, targets, method, path, role, escaped(body(targets)))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "malformed_json"


NON_ASCII_DIGITS = ["²", "١٢", "①"]


@pytest.mark.parametrize("digits", NON_ASCII_DIGITS)
def test_non_ascii_digits_are_refused_over_the_api(client, targets, digits):
    code = targets["code"]
    assert client.get(f"/api/v1/sessions/{code}/insights?since={digits}").status_code == 400
    cases = [
        ("PATCH", S + "/participants/me", "participant", {"table_id": digits}),
        ("POST", S + "/insights", "participant", post_body(targets, table_id=digits)),
        ("POST", S + "/participants", None, {"table_id": digits}),
        ("PUT", S + "/spotlight", "facilitator", {"insight_id": digits}),
        ("POST", S + "/insights/{insight}/merge", "facilitator", {"into": digits}),
        ("POST", "/api/v1/sessions", "organiser", {"title": "x", "event_id": digits}),
        ("PATCH", S, "organiser", {"event_id": digits}),
    ]
    for method, path, role, body in cases:
        response = send(client, targets, method, path, role, json.dumps(body))
        assert response.status_code == 422, (path, response.get_data(as_text=True)[:300])
        assert response.get_json()["error"]["field"] in (
            "table_id",
            "insight_id",
            "into",
            "event_id",
        )


@pytest.mark.parametrize("digits", NON_ASCII_DIGITS)
def test_non_ascii_digits_are_refused_in_forms(app, client, targets, digits):
    code = targets["code"]
    assert client.post(f"/j/{code}/join", data={"table_id": digits}).status_code == 422
    client.set_cookie(f"p_{code}", targets["tokens"]["participant"])
    assert client.post(f"/j/{code}/table", data={"table_id": digits}).status_code == 422
    posted = client.post(
        f"/j/{code}/post", data={"client_id": str(uuid.uuid4()), "text": "x", "table_id": digits}
    )
    assert posted.status_code == 422
    organiser = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}
    for path, data in ((f"/o/sessions/{code}/event", {}), ("/o/sessions", {"title": "Nieuw"})):
        response = client.post(path, data={**data, "event_id": digits}, headers=organiser)
        assert response.status_code == 302  # back to the organiser page with the message
        page = client.get("/o/", headers=organiser)
        assert page.status_code == 200
    download = client.get(f"/o/download?format=csv&event={digits}", headers=organiser)
    assert download.status_code == 422


def test_settings_tag_sets_must_name_tag_sets(client, targets):
    for value in ([{}], [[]], [None], [SURROGATE]):
        response = send(
            client,
            targets,
            "PATCH",
            S,
            "facilitator",
            json.dumps({"settings": {"tag_sets": value}}),
        )
        assert response.status_code in (400, 422), value
        assert response.get_json()["error"]["code"] in ("invalid", "malformed_json")


def test_a_tag_set_label_with_a_lone_surrogate_is_refused(client, targets):
    tag_set = {
        "name": "Eigen",
        "kinds": [
            {"key": "tip", "nl": "Tip", "en": "Tip"},
            {"key": "bad", "nl": "Slecht" + SURROGATE, "en": "Bad"},
        ],
    }
    token = targets["tokens"]["facilitator"]
    response = client.put(
        f"/api/v1/sessions/{targets['code']}/tag-sets",
        data=escaped(tag_set),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "invalid_tag_set"
    # Nothing was stored: the console and a seated phone still open.
    assert client.get(f"/f/{targets['code']}?key={token}", follow_redirects=True).status_code == 200
    client.set_cookie(f"p_{targets['code']}", targets["tokens"]["participant"])
    assert client.get(f"/j/{targets['code']}").status_code == 200


def test_a_yaml_tag_set_nested_too_deep_is_refused(client, targets):
    token = targets["tokens"]["facilitator"]
    response = client.put(
        f"/api/v1/sessions/{targets['code']}/tag-sets",
        data="kinds: " + "[" * 5000 + "]" * 5000,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]


@pytest.fixture
def phone_socket(app, client, targets):
    from workshop.extensions import socketio

    sio = socketio.test_client(
        app,
        auth={
            "session": targets["code"],
            "role": "participant",
            "token": targets["tokens"]["participant"],
        },
        flask_test_client=client,
    )
    assert sio.is_connected()
    yield sio
    sio.disconnect()


@pytest.mark.parametrize(
    "event, data, field",
    [
        ("insight:vote", {"insight_id": "²"}, "insight_id"),
        ("insight:post", {"client_id": "c" * 12, "table_id": "²", "text": "x"}, "table_id"),
        ("resync", {"since": "²"}, "since"),
        ("insight:post", {"client_id": "d" * 12, "table_id": None, "text": SURROGATE}, None),
        ("insight:vote", {"insight_id": 1, "note": [SURROGATE]}, None),
    ],
)
def test_socket_events_with_malformed_input_get_an_error_ack(
    targets, phone_socket, event, data, field
):
    if event == "insight:post" and data["table_id"] is None:
        data = {**data, "table_id": targets["table"]}
    answer = phone_socket.emit(event, data, callback=True)
    assert answer["ok"] is False, answer
    assert answer["error"]["code"] in ("invalid", "malformed_json", "malformed_text"), answer
    if field:
        assert answer["error"]["field"] == field


def test_frames_that_are_not_engineio_close_quietly(live_server):
    """A raw "x" (or empty) WebSocket frame closes its connection; the log holds no traceback."""
    import requests
    import websocket

    base = live_server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    logged_before = live_server.log_path.read_text()

    def closed_after(ws, frame) -> bool:
        ws.send(frame)
        ws.settimeout(5)
        try:
            while True:
                opcode, _ = ws.recv_data(control_frame=True)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    return True
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            return True
        except websocket.WebSocketTimeoutException:
            return False

    for frame in ("x", "", "b!!", "\u00b2"):
        ws = websocket.create_connection(base)
        assert ws.recv().startswith("0{")  # the Engine.IO open packet
        assert closed_after(ws, frame), frame
        ws.close()

    # The same as the probe of an upgrade from long-polling.
    handshake = requests.get(live_server.url + "/socket.io/?EIO=4&transport=polling", timeout=5)
    sid = handshake.text.split('"sid":"')[1].split('"')[0]
    ws = websocket.create_connection(f"{base}&sid={sid}")
    assert closed_after(ws, "x")
    ws.close()

    # Engine.IO messages that are not Socket.IO, or nested too deep to decode, are dropped.
    for frame in ("4x", "42[", "42" + "[" * 5000 + "]" * 5000, "4²"):
        ws = websocket.create_connection(base)
        ws.recv()
        ws.send(frame)
        ws.close()

    # Still serving, and nothing but quiet lines in the log.
    assert requests.get(live_server.url + "/api/v1/openapi.json", timeout=5).ok
    ws = websocket.create_connection(base)
    assert ws.recv().startswith("0{")
    ws.send("40")
    assert ws.recv().startswith("44")  # connect refused for lack of auth: a Socket.IO answer
    ws.close()
    time.sleep(0.5)
    logged = live_server.log_path.read_text()[len(logged_before) :]
    assert "Traceback" not in logged and "Error handling request" not in logged, logged[-3000:]
