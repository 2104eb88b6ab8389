"""The OpenAPI document: valid, complete for every API route, and true enough that generated
requests against a live server never meet a 500."""

import json
import re
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error

from tests.support import ORGANISER_TOKEN, Api
from workshop import domain
from workshop.openapi import base_document

PARTICIPANT_OPERATIONS = {"postInsight", "vote", "updateMe"}
DEADLINE = 60  # seconds for the whole generated run


def test_the_document_is_valid_openapi():
    validate(base_document())


def test_every_api_route_is_documented(app):
    documented = {
        (path, method.upper())
        for path, operations in base_document()["paths"].items()
        for method in operations
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - documented == set(), "routes without documentation"
    assert documented - routes == set(), "documented routes that do not exist"


def test_every_operation_documents_the_error_object(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["servers"] == [{"url": "http://aantafel.test/api/v1"}]
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path != "/openapi.json":
                assert any(code.startswith("4") for code in operation["responses"]), (path, method)
            assert operation["summary"] and operation["operationId"]
    # A documented error really has that shape.
    reply = client.get("/api/v1/sessions/NOPE00/stats")
    assert reply.status_code == 404 and set(reply.get_json()["error"]) >= {"code", "message"}


@pytest.fixture(scope="module")
def room(live_server):
    """A real open session with a participant and an insight, so generated calls reach deep."""
    api = Api(live_server.url)
    created = api.create_session()
    table = created["tables"][0]["id"]
    me = api.join(created["code"], table, name="Joost")
    api.post(created["code"], me["token"], table)
    return {"code": created["code"], "participant": me["token"], "started": time.monotonic()}


def generated_calls(operation, token: str, room: dict, calls: list):
    """A Hypothesis test that sends generated requests for one operation."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=8,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call(case):
        if "code" in (case.path_parameters or {}):
            case.path_parameters["code"] = room["code"]  # a real session: deeper than a 404
        response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=10)
        calls.append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400 and "json" in response.headers.get("Content-Type", ""):
            assert set(json.loads(response.text)["error"]) >= {"code", "message"}

    return call


@pytest.mark.timeout(180)
def test_no_endpoint_answers_500_to_generated_input(live_server, room):
    """Schemathesis generates requests for every operation; none may meet a server error."""
    schema = schemathesis.openapi.from_url(live_server.url + "/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    failures, calls = [], []
    for operation in operations:
        participant = operation.definition.raw.get("operationId") in PARTICIPANT_OPERATIONS
        token = room["participant"] if participant else ORGANISER_TOKEN
        try:
            generated_calls(operation, token, room, calls)()
        except Exception as failure:  # noqa: BLE001 (collect them all, then report)
            failures.append(f"{operation.label}: {failure}")
        assert time.monotonic() - room["started"] < DEADLINE, "generated run over its budget"
    assert not failures, "\n\n".join(failures)
    assert len(calls) >= 2 * len(operations)
    assert any(200 <= code < 300 for code in calls)  # some generated calls got through


def test_numbers_too_large_for_the_database_are_client_errors(api_client):
    """Found by schemathesis: an id or seq beyond the database's integers used to answer 500
    (beyond 64 bits on SQLite, beyond 32 bits on PostgreSQL)."""
    created = api_client.create_session()
    code, key = created["code"], ORGANISER_TOKEN  # the organiser token opens every door
    for huge in (3_000_000_000, 10**25):
        for method, path, body in (
            ("GET", f"/sessions/{code}/insights?since={huge}", None),
            ("PATCH", f"/sessions/{code}/insights/{huge}", {"pinned": True}),
            ("DELETE", f"/sessions/{code}/tables/{huge}", None),
            ("PUT", f"/sessions/{code}/tables/{huge}/summary", {"text": "x"}),
            ("PATCH", f"/sessions/{code}", {"event_id": huge}),
            ("GET", f"/events/{huge}/export.csv", None),
        ):
            reply = api_client.call(method, path, key, json=body)
            assert 400 <= reply.status_code < 500, (path, huge, reply.text)
    body = {"title": "x", "event_id": 3_000_000_000}
    assert api_client.call("POST", "/sessions", key, json=body).status_code == 404


def conforms(reply, path: str, method: str) -> dict:
    """The reply's body against the schema the document gives for its method, path and status."""
    from jsonschema import Draft202012Validator

    document = base_document()
    responses = document["paths"][path][method]["responses"]
    response = responses[str(reply.status_code)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    # The document is the root, so the schema's #/components/... references resolve in it.
    Draft202012Validator({**document, "allOf": [schema]}).validate(reply.json())
    return reply.json()


def test_console_operations_answer_what_the_document_says(app, api_client):
    """Round timer, merging, tag sets and host-written summaries: replies match the document."""
    created = api_client.create_session()
    code, key, table = created["code"], created["facilitator_key"], created["tables"][0]["id"]
    me = api_client.join(code, table, name="Joost")
    first, second = (
        api_client.post(code, me["token"], table, text=f"Dubbel {n}").json()["id"] for n in (1, 2)
    )

    current = "/sessions/{code}/rounds/current"
    reply = api_client.call(
        "PATCH", f"/sessions/{code}/rounds/current", key, 200, json={"stop": True}
    )
    assert conforms(reply, current, "patch")["ends_at"]
    for body, status in (({}, 400), ({"minutes_added": 0}, 422), ({"stop": "ja"}, 422)):
        reply = api_client.call("PATCH", f"/sessions/{code}/rounds/current", key, status, json=body)
        conforms(reply, current, "patch")

    merge = "/sessions/{code}/insights/{insight_id}/merge"
    reply = api_client.call(
        "POST", f"/sessions/{code}/insights/{first}/merge", key, 200, json={"into": second}
    )
    merged = conforms(reply, merge, "post")
    assert merged["merged"]["merged_into"] == second and merged["kept"]["id"] == second
    reply = api_client.call(
        "POST", f"/sessions/{code}/insights/{first}/merge", key, 409, json={"into": second}
    )
    assert conforms(reply, merge, "post")["error"]["into"] == second

    tag_sets = "/sessions/{code}/tag-sets"
    own = {"name": "buurt", "kinds": [{"key": "idee", "nl": "Idee", "en": "Idea"}]}
    reply = api_client.call("PUT", f"/sessions/{code}/tag-sets", key, 200, json=own)
    assert conforms(reply, tag_sets, "put")["custom"] is True
    assert (
        conforms(api_client.call("GET", f"/sessions/{code}/tag-sets"), tag_sets, "get")["kinds"]
        == own["kinds"]
    )
    broken = '{\n  "kinds": [\n    {"key": "Idee", "nl": "Idee", "en": "Idea"}\n  ]\n}'
    reply = api_client.call(
        "PUT", f"/sessions/{code}/tag-sets", key, 422, data=broken, content_type="application/json"
    )
    error = conforms(reply, tag_sets, "put")["error"]
    assert (error["code"], error["line"], error["path"]) == ("invalid_tag_set", 3, "kinds[0]")
    reply = api_client.call("DELETE", f"/sessions/{code}/tag-sets", key, 200)
    assert conforms(reply, tag_sets, "delete")["name"] == "wijkkompas"
    session = conforms(api_client.call("GET", f"/sessions/{code}"), "/sessions/{code}", "get")
    assert session["tag_set"] == "wijkkompas" and "wall_sort" in session["settings"]

    summary = "/sessions/{code}/tables/{table_id}/summary"
    with app.app_context():  # a host link's token, as the console makes it
        session = domain.get_session(code)
        host = domain.host_token(session, domain.get_table(session, table))
    reply = api_client.call(
        "PUT", f"/sessions/{code}/tables/{table}/summary", host, 200, json={"text": "Kort"}
    )
    assert conforms(reply, summary, "put") == {"table_id": table, "text": "Kort"}
    other = created["tables"][1]["id"]
    reply = api_client.call(
        "PUT", f"/sessions/{code}/tables/{other}/summary", host, 403, json={"text": "Nee"}
    )
    assert conforms(reply, summary, "put")["error"]["code"] == "wrong_host_token"


def test_the_settings_schema_is_the_settings_table():
    """The document's Settings object is generated from workshop/session_settings.py."""
    from workshop import session_settings

    assert base_document()["components"]["schemas"]["Settings"] == session_settings.schema()
