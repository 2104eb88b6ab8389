"""Random and hostile input to every API endpoint and socket event (hypothesis).

The answer is always a 2xx or a clear 4xx with an error code (or an error ack), never a 500 or an
unhandled exception; afterwards the database is consistent. Bounded: a few hundred examples in
total, well under a minute; still the largest part of the in-process tests' time, so the file is
in the `slow` tier (tests/conftest.py). The named hostile families are checked one by one in the
fast tiers by tests/test_malformed_input.py.
"""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import ORGANISER_TOKEN
from tests.support.endpoints import JSON_ENDPOINTS, VOTE, S, endpoint_id, target_url

pytestmark = pytest.mark.slow

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "<script>alert(1)</script>",
        "\u202e\u200b\ufeff",
        "\x00",
        "=1+1",
        "x" * 5000,
        "../../etc/passwd",
        "' OR 1=1 --",
        "\ud800",  # a lone surrogate
        "9" * 40,
    ]
)
# Hypothesis leaves three families out unless asked: lone surrogates (category Cs), digits that
# `str.isdigit()` accepts and `int()` refuses ("²", "①"), and nesting thousands deep.
SURROGATE_TEXT = st.text(
    st.characters(categories=["Cs", "Nd", "No", "Lu", "Ll", "Zs", "Cc"]), min_size=1, max_size=12
)
DIGIT_TEXT = st.text(
    st.characters(categories=["Nd", "No"]), min_size=1, max_size=4
) | st.sampled_from(["²", "¹²", "①", "١٢", "߀", "12²", "0", "007"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50)
    | HOSTILE_TEXT
    | SURROGATE_TEXT
    | DIGIT_TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12) | SURROGATE_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)


def nested(depth: int, leaf="x", kind: str = "list"):
    """A value nested `depth` deep, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


# Raw JSON text nested up to 20,000 deep (under the 64 KB body limit): RecursionError in `json`.
def deep_json_text(depth: int, kind: str, inside: str) -> str:
    opened, closed = (
        ("[" * depth, "]" * depth) if kind == "list" else ('{"a":' * depth, "}" * depth)
    )
    if kind == "object":
        opened, closed = opened[: 5 * 12_000], closed[:12_000]  # stay under the 64 KB limit
    body = opened + "1" + closed
    return {
        "bare": body,
        "field": '{"text":' + body + "}",
        "settings": '{"settings":' + body + "}",
    }[inside]


DEEP_JSON_TEXT = st.builds(
    deep_json_text,
    st.integers(min_value=1, max_value=20_000) | st.sampled_from([19, 20, 21, 22, 999, 1001]),
    st.sampled_from(["list", "object"]),
    st.sampled_from(["bare", "field", "settings"]),
)
FIELDS = [
    "title",
    "language",
    "template",
    "tables",
    "event_id",
    "state",
    "settings",
    "name",
    "question",
    "order",
    "host",
    "organisation_type",
    "organisation",
    "role",
    "place",
    "quote_consent",
    "table_id",
    "client_id",
    "text",
    "kind",
    "perspectives",
    "phase",
    "anonymous",
    "status",
    "pinned",
    "insight_id",
    "minutes",
    "since",
]
# Bodies that look like the real thing, with hostile values in the known fields.
DEEP_VALUES = st.builds(
    nested, st.integers(min_value=15, max_value=60), SCALARS, st.sampled_from(["list", "object"])
)
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON | DEEP_VALUES, max_size=6) | JSON

ENDPOINTS = [*JSON_ENDPOINTS, VOTE]
GET_PATHS = [
    S + "/insights?since={value}",
    S + "/export.{value}",
    "/api/v1/sessions/{value}",
    "/api/v1/sessions/{value}/stats",
    "/api/v1/events/{value}/export.csv",
    "/j/{value}",
    "/w/{value}",
    "/qr/{value}.svg",
]
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check_answer(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith(
        "application/json"
    ):
        error = response.json()["error"]
        assert error["code"] and error["message"], what
        assert error["code"] != "internal_error", what


def check_consistent(app):
    """One insight per client id, votes that match their rows, nothing pointing nowhere."""
    from sqlalchemy import func, select

    from workshop.extensions import db
    from workshop.models import Insight, Participant, Table, Vote

    with app.app_context():
        insights = db.session.scalars(select(Insight)).all()
        keys = [(i.session_id, i.client_id) for i in insights]
        assert len(keys) == len(set(keys)), "one insight per client id"
        table_ids = set(db.session.scalars(select(Table.id)))
        participant_ids = set(db.session.scalars(select(Participant.id)))
        for insight in insights:
            assert insight.table_id in table_ids, "insight on a missing table"
            assert insight.participant_id in participant_ids | {None}
            votes = db.session.scalar(
                select(func.count()).select_from(Vote).filter_by(insight_id=insight.id)
            )
            assert insight.votes == votes, "vote count matches the vote rows"
        seqs = [(i.session_id, i.seq) for i in insights]
        assert len(seqs) == len(set(seqs)), "every change has its own seq"
        for vote in db.session.scalars(select(Vote)):
            assert vote.participant_id in participant_ids
        db.session.remove()


def well_formed_but(path: str, method: str, targets: dict):
    """Bodies valid but for one hostile value, so it reaches the code that stores or shows it."""
    if path.endswith("/insights") and method == "POST":
        return st.fixed_dictionaries(
            {
                "client_id": st.uuids().map(str),
                "table_id": st.just(targets["table"]),
                "text": SCALARS,
            },
            optional={"kind": SCALARS, "phase": SCALARS, "perspectives": JSON},
        )
    return st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, SCALARS)).filter(bool)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=endpoint_id)
def test_api_endpoints_survive_hostile_json(app, api_client, targets, endpoint):
    method, path, role = endpoint
    url = target_url(path, targets)

    @SETTINGS
    @given(body=BODIES | well_formed_but(path, method, targets))
    def run(body):
        token = targets["tokens"].get(role)
        response = api_client.call(method, url.removeprefix("/api/v1"), token, json=body)
        check_answer(response, f"{method} {url} {body!r:.200}")

    run()
    check_consistent(app)


@pytest.mark.parametrize(
    "endpoint",
    JSON_ENDPOINTS,
    ids=endpoint_id,
)
def test_api_endpoints_refuse_json_nested_thousands_deep(api_client, targets, endpoint):
    method, path, role = endpoint
    url = target_url(path, targets)

    @settings(SETTINGS, max_examples=8)
    @given(raw=DEEP_JSON_TEXT)
    def run(raw):
        token = targets["tokens"].get(role)
        response = api_client.call(
            method, url.removeprefix("/api/v1"), token, data=raw, content_type="application/json"
        )
        check_answer(response, f"{method} {url} {raw[:60]!r}")
        assert 400 <= response.status_code < 500 or raw.count("[") + raw.count("{") <= 21

    run()


FORM_VALUES = (
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)  # forms hold no surrogates
    | DIGIT_TEXT
    | HOSTILE_TEXT.filter(lambda t: "\ud800" not in t)
    | st.integers(min_value=-(2**64), max_value=2**64).map(str)
)
FORMS = [
    (
        "/j/{code}/join",
        ["name", "organisation_type", "organisation", "role", "place", "table_id"],
        None,
    ),
    (
        "/j/{code}/profile",
        ["name", "organisation_type", "organisation", "role", "place", "quote_consent"],
        "participant",
    ),
    ("/j/{code}/table", ["table_id"], "participant"),
    (
        "/j/{code}/post",
        [
            "client_id",
            "table_id",
            "text",
            "kind",
            "perspectives",
            "phase",
            "quote_consent",
            "my_consent",
        ],
        "participant",
    ),
    ("/o/sessions", ["title", "language", "template", "event_id"], "organiser"),
    ("/o/events", ["name"], "organiser"),
    ("/o/sessions/{code}/event", ["event_id"], "organiser"),
    ("/o/login", ["token"], None),
]


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f[0])
def test_html_forms_survive_hostile_values(app, targets, form):
    path, fields, role = form
    client = app.test_client()
    if role == "participant":
        client.set_cookie(f"p_{targets['code']}", targets["tokens"]["participant"])
    headers = {"Authorization": f"Bearer {ORGANISER_TOKEN}"} if role == "organiser" else {}

    @SETTINGS
    @given(data=st.fixed_dictionaries({}, optional={f: FORM_VALUES for f in fields}))
    def run(data):
        from workshop import ratelimit

        ratelimit.reset_all()
        response = client.post(path.format(code=targets["code"]), data=data, headers=headers)
        assert response.status_code < 500, f"{path} {data!r:.200}: {response.status_code}"

    run()


@SETTINGS
@given(event=FORM_VALUES, fmt=st.sampled_from(["csv", "json", "x"]))
def test_organiser_download_survives_hostile_event_ids(client, targets, event, fmt):
    response = client.get(
        "/o/download",
        query_string={"event": event, "format": fmt},
        headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"},
    )
    assert response.status_code < 500, f"{event!r}: {response.status_code}"


@SETTINGS
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_api_survives_bytes_that_are_not_json(api_client, targets, raw):
    url = f"/sessions/{targets['code']}/insights"
    for content_type in ("application/json", "text/plain", "application/x-www-form-urlencoded"):
        response = api_client.call(
            "POST",
            url,
            targets["tokens"]["participant"],
            data=raw,
            content_type=content_type,
        )
        check_answer(response, f"{content_type} {raw!r:.100}")


@SETTINGS
@given(
    value=st.text(
        st.characters(blacklist_categories=("Cs",)), max_size=40
    )  # URLs hold no lone surrogates
    | HOSTILE_TEXT.filter(lambda t: "\ud800" not in t)
    | DIGIT_TEXT
    | st.integers().map(str)
)
def test_paths_and_queries_survive_hostile_values(client, targets, value):
    from urllib.parse import quote

    for template in GET_PATHS:
        url = template.format(code=targets["code"], value=quote(value, safe=""))
        response = client.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"


SOCKET_EVENTS = ["insight:post", "insight:vote", "resync"]
# Each event's own fields with a hostile value: "²" as an insight id, a lone surrogate as text.
SOCKET_TARGETED = {
    "insight:post": st.fixed_dictionaries(
        {"text": SCALARS}, optional={"kind": SCALARS, "phase": SCALARS, "perspectives": JSON}
    ),
    "insight:vote": st.fixed_dictionaries({"insight_id": SCALARS}),
    "resync": st.fixed_dictionaries({"since": SCALARS}),
}


@pytest.mark.parametrize("role", ["participant", "wall", "facilitator"])
def test_socket_events_survive_hostile_payloads(app, client, targets, role):
    from workshop.extensions import socketio

    token = {
        "participant": targets["tokens"]["participant"],
        "facilitator": targets["tokens"]["facilitator"],
    }
    sio = socketio.test_client(
        app,
        auth={"session": targets["code"], "role": role, "token": token.get(role)},
        flask_test_client=client,
    )
    assert sio.is_connected()

    @settings(SETTINGS, max_examples=120)  # cheap per example; the families are rare draws
    @given(event=st.sampled_from(SOCKET_EVENTS), drawn=st.data(), real_table=st.booleans())
    def run(event, drawn, real_table):
        data = drawn.draw(BODIES | SOCKET_TARGETED[event])
        from workshop import ratelimit

        ratelimit.reset_all()  # the fuzzer is a flood by nature: measure answers, not limits
        if real_table and isinstance(data, dict) and event == "insight:post":
            data = {**data, "table_id": targets["table"], "client_id": str(uuid.uuid4())}
        answer = sio.emit(event, data, callback=True)
        assert isinstance(answer, dict), (event, data, answer)
        if "ok" in answer:
            assert answer["ok"] is True or (answer["error"]["code"] and answer["error"]["message"])
            assert answer.get("error", {}).get("code") != "internal_error", (event, data, answer)
        else:
            assert isinstance(answer["insights"], list)

    run()
    assert sio.is_connected()
    sio.disconnect()
    check_consistent(app)


def admitted(auth, targets) -> bool:
    """Who may connect: a wall of the session, or its facilitator or participant with their token.

    No host link is ever drawn, so a host is never admitted.
    """
    from workshop import inputs
    from workshop.errors import BadRequest
    from workshop.security import normalise_join_code

    if not isinstance(auth, dict) or not isinstance(auth.get("session"), str):
        return False
    try:
        inputs.check_value(auth)
    except BadRequest:
        return False
    if normalise_join_code(auth["session"]) != targets["code"]:
        return False
    role, token = auth.get("role", "wall"), auth.get("token")
    tokens = targets["tokens"]
    return (
        role == "wall"
        or (role == "facilitator" and token in (tokens["facilitator"], tokens["organiser"]))
        or (role == "participant" and token == tokens["participant"])
    )


def test_socket_connect_survives_hostile_auth(app, targets):
    """Hostile, near-right and right auth: a socket connects exactly when `admitted` says so."""
    from workshop import ratelimit
    from workshop.extensions import socketio

    code = targets["code"]
    fields = {
        "session": st.sampled_from([code, code.lower(), f" {code} ", code[:-1]]) | JSON,
        "role": st.sampled_from(["wall", "facilitator", "participant", "host"]) | JSON,
        "token": st.sampled_from(sorted(targets["tokens"].values())) | JSON,
        "table": st.just(targets["table"]) | JSON,
    }
    # None or an object, as a Socket.IO client sends it (the test client cannot encode a bare
    # number as the connect packet's data: python-socketio reads its digits as a packet id).
    auths = st.none() | st.fixed_dictionaries({}, optional=fields)

    @SETTINGS
    @given(auth=auths)
    def run(auth):
        ratelimit.reset_all()  # many connects from one address: measure answers, not limits
        # A client of its own: no participant cookie from the session's joins stands in for a token.
        sio = socketio.test_client(app, auth=auth, flask_test_client=app.test_client())
        connected = sio.is_connected()
        if connected:
            sio.disconnect()
        assert connected == admitted(auth, targets), auth

    run()
