"""The live event dashboard: organisers watch every session of an event, at most one update a second.

A dashboard socket authenticates with `{role: "organiser", token, event}` and gets `event:update`
at once. Then one ticker per process, running only while this process has a dashboard open, builds
each watched event's overview once a second and sends it to this process's dashboards when it
differs from the last one sent. The overview comes from the database and the shared phone counts,
so a post through any process reaches every process's dashboards without extra messages, and a busy
event costs one overview a second, not one per post.
"""

import logging

from flask import current_app, request
from flask_socketio import emit, join_room

from .. import domain, inputs
from ..errors import Forbidden
from ..extensions import db, socketio
from ..models import Event
from . import presence, rooms

logger = logging.getLogger(__name__)
TICK = 1.0  # seconds: the dashboard's promise is at most one update a second
watchers: dict[int, set[str]] = {}  # event id -> this process's dashboard sockets
last_sent: dict[int, dict] = {}
_ticker = None


def authenticate(auth: dict):
    """The event an organiser socket may watch: the organiser token, or the /o/ page's sign-in."""
    inputs.check_value(auth)
    token = auth.get("token")
    if not isinstance(token, str) or not token:
        raise Forbidden("This needs the organiser token.", code="organiser_token_required")
    if not (domain.is_organiser_sign_in(token) or domain.is_organiser(token)):
        raise Forbidden("That organiser token is not valid.", code="wrong_token")
    return domain.get_event(auth.get("event"))


def watch(event) -> None:
    """Join the event's room, send its overview now, and keep it up to date from here on."""
    join_room(rooms.event_room(event.id))
    watchers.setdefault(event.id, set()).add(request.sid)
    overview = overview_of(event)
    emit(rooms.EVENT_UPDATE, overview)
    last_sent.setdefault(event.id, overview)
    _start_ticker(current_app._get_current_object())


def forget(sid: str) -> None:
    for event_id, sids in list(watchers.items()):
        sids.discard(sid)
        if not sids:
            del watchers[event_id]
            last_sent.pop(event_id, None)


def overview_of(event) -> dict:
    return domain.event_overview(event, presence.phones)


def _start_ticker(app) -> None:
    global _ticker
    if _ticker is None:
        _ticker = socketio.start_background_task(_tick_forever, app)


def _tick_forever(app) -> None:
    while True:
        socketio.sleep(TICK)
        for event_id in list(watchers):
            with app.app_context():
                try:
                    send_if_changed(event_id)
                except Exception:  # one bad tick must not stop every dashboard
                    logger.exception("Dashboard update of event %s failed", event_id)
                finally:
                    db.session.remove()
            socketio.sleep(0)  # posts waiting for the database go first


def send_if_changed(event_id: int) -> None:
    event = db.session.get(Event, event_id)
    if event is None or event_id not in watchers:
        return
    overview = overview_of(event)
    if overview != last_sent.get(event_id):
        last_sent[event_id] = overview
        # This process's dashboards only: every process sends its own, from the shared database.
        socketio.server.emit(
            rooms.EVENT_UPDATE, overview, room=rooms.event_room(event_id), ignore_queue=True
        )
