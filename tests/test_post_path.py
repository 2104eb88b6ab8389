"""The post -> deliver path: what a wall and a phone receive, and the database work it costs.

The live delivery tests (test_realtime.py, test_delivery.py) check who receives what; these check
that the cheaper path of bench/versus.py's profile sends the same thing as a fresh read.
"""

import uuid

import pytest
from sqlalchemy import event

from workshop.extensions import db, socketio


@pytest.fixture
def seated(app, client, api_client):
    created = api_client.create_session()
    table = created["tables"][0]
    phone = api_client.join(
        created["code"], table["id"], name="Sanne", organisation_type="installer"
    )
    auth = {"session": created["code"], "role": "participant", "token": phone["token"]}
    wall = socketio.test_client(app, auth={"session": created["code"], "role": "wall"})
    console = socketio.test_client(
        app,
        auth={
            "session": created["code"],
            "role": "facilitator",
            "token": created["facilitator_key"],
        },
    )
    author = socketio.test_client(app, auth=auth, flask_test_client=client)
    for sio in (wall, console, author):
        sio.get_received()  # the first state
    yield created, table, wall, console, author
    for sio in (wall, console, author):
        sio.disconnect()


def statements_during(app, action):
    seen = []

    def record(_conn, _cursor, statement, *_):
        seen.append(statement.split()[0].upper())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        result = action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return result, seen


def new_insights(sio):
    return [e["args"][0] for e in sio.get_received() if e["name"] == "insight:new"]


def test_wall_phone_and_console_get_what_a_fresh_read_shows(seated, api_client):
    created, table, wall, console, author = seated
    body = {
        "client_id": str(uuid.uuid4()),
        "table_id": table["id"],
        "text": "Eerst weten wat het kost.",
    }
    ack = author.emit("insight:post", body, callback=True)
    assert ack["ok"] is True
    [on_wall] = new_insights(wall)
    [on_console] = new_insights(console)
    [on_phone] = new_insights(author)
    listed = api_client.call("GET", f"/sessions/{created['code']}/insights", expect=200).json()
    [fresh] = listed["insights"]
    assert on_wall == on_phone == fresh
    assert on_wall["author"] == {"name": "Sanne", "organisation_type": "installer"}
    assert on_wall["text"] == "Eerst weten wat het kost." and on_wall["created_at"]
    full = api_client.call(
        "GET", f"/sessions/{created['code']}/insights", created["facilitator_key"], expect=200
    ).json()["insights"][0]
    assert on_console == full
    assert ack["insight"] == fresh | {"own": True, "withheld": False, "anonymous": False}


def test_a_post_reloads_nothing_after_its_commit(app, seated):
    """Before: the insight, its author and the session were each read back after the commit."""
    _, table, wall, _, author = seated
    body = {"client_id": str(uuid.uuid4()), "table_id": table["id"], "text": "Een tweede inzicht."}
    ack, statements = statements_during(
        app, lambda: author.emit("insight:post", body, callback=True)
    )
    assert ack["ok"] is True and new_insights(wall)
    after_insert = statements[statements.index("INSERT") + 1 :]
    assert "SELECT" not in after_insert, statements
