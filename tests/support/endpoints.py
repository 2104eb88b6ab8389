"""The API endpoints that read a JSON body, with the role that may call each: one list for the
hostile-input tests (tests/test_malformed_input.py, tests/test_fuzz.py)."""

S = "/api/v1/sessions/{code}"
JSON_ENDPOINTS = [
    ("POST", "/api/v1/sessions", "organiser"),
    ("PATCH", S, "facilitator"),
    ("POST", S + "/participants", None),
    ("PATCH", S + "/participants/me", "participant"),
    ("POST", S + "/insights", "participant"),
    ("PATCH", S + "/insights/{insight}", "facilitator"),
    ("POST", S + "/insights/{insight}/merge", "facilitator"),
    ("POST", S + "/tables", "facilitator"),
    ("PATCH", S + "/tables/{table}", "facilitator"),
    ("PUT", S + "/tables/{table}/summary", "facilitator"),
    ("POST", S + "/rounds", "facilitator"),
    ("PATCH", S + "/rounds/current", "facilitator"),
    ("PUT", S + "/spotlight", "facilitator"),
    ("PUT", S + "/tag-sets", "facilitator"),
    ("POST", "/api/v1/events", "organiser"),
]
VOTE = ("POST", S + "/insights/{insight}/vote", "participant")  # takes a body, reads none


def endpoint_id(endpoint: tuple) -> str:
    return f"{endpoint[0]} {endpoint[1]}"


def target_url(path: str, targets: dict) -> str:
    """`path` with the ids of the `targets` fixture filled in."""
    return path.format(code=targets["code"], table=targets["table"], insight=targets["insight"])
