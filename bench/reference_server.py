"""A plain reference build of the live slice, to run back to back with the app (bench/versus.py).

What an engineer would write in an afternoon: Flask-SocketIO on gunicorn's gevent worker,
Flask-SQLAlchemy on SQLite, phones in per-table rooms, and per post one insert and two emits (to
the table's room and to the walls' room). No rate limits, no sequence numbers, no per-viewer
payloads, no counts. It speaks just enough of the app's API and socket protocol for the same load
generator to drive it: create a session with tables, open it, join participants, connect with
`auth = {session, role, token}`, `insight:post` with an ack, `insight:new` to phones and walls.

    PORT=5001 DATABASE_URL=sqlite:///ref.sqlite3 ORGANISER_TOKEN=... python bench/reference_server.py
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import secrets  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from flask import Flask, abort, jsonify, request  # noqa: E402
from flask_socketio import ConnectionRefusedError, SocketIO, join_room  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from gunicorn.app.base import BaseApplication  # noqa: E402

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite:///reference.db")
db = SQLAlchemy(app)
socketio = SocketIO(app, async_mode="gevent", cors_allowed_origins="*")


class WorkSession(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(16), unique=True, nullable=False)
    title = db.Column(db.String(200))
    state = db.Column(db.String(16), default="draft")


class Table(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.ForeignKey("work_session.id"), nullable=False)
    name = db.Column(db.String(100))


class Participant(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.ForeignKey("work_session.id"), nullable=False)
    table_id = db.Column(db.ForeignKey("table.id"))
    name = db.Column(db.String(100))
    token = db.Column(db.String(64), unique=True, nullable=False)


class Insight(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.ForeignKey("work_session.id"), nullable=False)
    table_id = db.Column(db.ForeignKey("table.id"), nullable=False)
    participant_id = db.Column(db.ForeignKey("participant.id"))
    client_id = db.Column(db.String(64), unique=True)
    text = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, default=lambda: datetime.now(UTC))

    def as_dict(self):
        return {
            "id": self.id,
            "client_id": self.client_id,
            "table_id": self.table_id,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
        }


def table_dict(table):
    return {"id": table.id, "name": table.name}


# --- the HTTP API the load generator uses -------------------------------------------------------


@app.get("/api/v1/openapi.json")
def ready():
    return jsonify({"openapi": "3.1.0"})


@app.post("/api/v1/sessions")
def create_session():
    if request.headers.get("Authorization") != f"Bearer {os.environ['ORGANISER_TOKEN']}":
        abort(401)
    session = WorkSession(code=secrets.token_hex(3).upper(), title=request.json.get("title"))
    db.session.add(session)
    db.session.flush()
    tables = [Table(session_id=session.id, name=f"Tafel {n + 1}") for n in range(3)]
    db.session.add_all(tables)
    db.session.commit()
    body = {"code": session.code, "facilitator_key": "reference", "tables": []}
    body["tables"] = [table_dict(t) for t in tables]
    return jsonify(body), 201


@app.post("/api/v1/sessions/<code>/tables")
def add_table(code):
    session = WorkSession.query.filter_by(code=code).first_or_404()
    table = Table(session_id=session.id, name=request.json.get("name"))
    db.session.add(table)
    db.session.commit()
    return jsonify(table_dict(table)), 201


@app.patch("/api/v1/sessions/<code>")
def update_session(code):
    session = WorkSession.query.filter_by(code=code).first_or_404()
    session.state = request.json.get("state", session.state)
    db.session.commit()
    return jsonify({"code": session.code, "state": session.state})


@app.post("/api/v1/sessions/<code>/participants")
def join(code):
    session = WorkSession.query.filter_by(code=code).first_or_404()
    participant = Participant(
        session_id=session.id,
        table_id=request.json.get("table_id"),
        name=request.json.get("name"),
        token=secrets.token_urlsafe(24),
    )
    db.session.add(participant)
    db.session.commit()
    return jsonify({"id": participant.id, "token": participant.token}), 201


# --- Socket.IO ----------------------------------------------------------------------------------

clients = {}  # sid -> (session id, participant id or None)


@socketio.on("connect")
def connect(auth):
    session = WorkSession.query.filter_by(code=(auth or {}).get("session")).first()
    if session is None:
        raise ConnectionRefusedError({"code": "session_not_found"})
    if auth.get("role") == "participant":
        participant = Participant.query.filter_by(token=auth.get("token")).first()
        if participant is None or participant.session_id != session.id:
            raise ConnectionRefusedError({"code": "bad_token"})
        join_room(f"table-{participant.table_id}")
        clients[request.sid] = (session.id, participant.id)
    else:
        join_room(f"wall-{session.id}")
        clients[request.sid] = (session.id, None)
    db.session.remove()


@socketio.on("disconnect")
def disconnect(*_):
    clients.pop(request.sid, None)


@socketio.on("insight:post")
def post(data):
    session_id, participant_id = clients.get(request.sid, (None, None))
    if participant_id is None:
        return {"ok": False, "error": {"code": "participants_only"}}
    try:
        insight = Insight(
            session_id=session_id,
            table_id=data["table_id"],
            participant_id=participant_id,
            client_id=data["client_id"],
            text=data["text"],
        )
        db.session.add(insight)
        db.session.commit()
        payload = insight.as_dict()
    finally:
        db.session.remove()
    socketio.emit("insight:new", payload, to=f"table-{payload['table_id']}")
    socketio.emit("insight:new", payload, to=f"wall-{session_id}")
    return {"ok": True, "insight": payload}


class Server(BaseApplication):
    def load_config(self):
        self.cfg.set("bind", f"127.0.0.1:{os.environ.get('PORT', '5001')}")
        self.cfg.set("worker_class", "gevent")
        self.cfg.set("workers", 1)
        self.cfg.set("worker_connections", 4000)
        self.cfg.set("control_socket_disable", True)

    def load(self):
        return app


if __name__ == "__main__":
    with app.app_context():
        db.create_all()
    Server().run()
