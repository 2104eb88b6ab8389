"""Socket.IO handlers: authenticate on connect, join rooms, and hand events to the domain."""

import logging
from collections import defaultdict

from flask import g, request
from flask_babel import force_locale, gettext
from flask_socketio import ConnectionRefusedError, disconnect, emit, join_room

from .. import domain, inputs, payloads, ratelimit, socketguard
from ..catalogues import select_locale
from ..errors import N_, DomainError, Forbidden, NotFound, RateLimited
from ..extensions import db, socketio
from ..ratelimit import socket_events, socket_strikes
from ..security import normalise_join_code
from . import dashboard, presence, rooms

logger = logging.getLogger(__name__)
INTERNAL = "Something went wrong on our side."
# Per process: which socket is whom. A socket's rooms live in python-socketio itself.
connections: dict[str, tuple[int, payloads.Viewer]] = {}
participant_sockets: dict[int, set[str]] = defaultdict(set)


def sockets_of_participant(participant_id: int) -> set[str]:
    return set(participant_sockets.get(participant_id, ()))


def facilitator_sockets(session_id: int) -> list[str]:
    """This process's facilitator sockets of one session."""
    return [
        sid
        for sid, (sid_session, viewer) in list(connections.items())
        if sid_session == session_id and viewer.is_facilitator
    ]


def connected_phones(session_id: int) -> int:
    """This process's phones of one session (the console's count)."""
    return presence.local[session_id]


def authenticate(auth) -> tuple:
    """Check the connect auth {session, role, token, table}; return the session and the viewer."""
    if not isinstance(auth, dict) or not isinstance(auth.get("session"), str):
        raise Forbidden("Connect with auth = {session, role, token}.", code="bad_auth")
    inputs.check_value(auth)  # a lone surrogate would fail later, in the database or a hash
    address = ratelimit.client_address()
    ratelimit.connects_per_address.check(address, "Too many connections from this network.")
    code = normalise_join_code(auth["session"])
    ratelimit.code_guessing.check(address, code)
    try:
        session = domain.get_session(code)
    except NotFound:
        ratelimit.code_guessing.missed(address)
        raise
    ratelimit.code_guessing.found(address, code)
    role = auth.get("role", "wall")
    token = auth.get("token")
    if role == "wall":
        return session, payloads.WALL
    if role == "facilitator":
        domain.check_facilitator(session, token if isinstance(token, str) else None)
        return session, payloads.FACILITATOR
    if role == "host":  # a table host's page: that table's visible insights, with its host link
        table = domain.table_for_host(
            session, auth.get("table"), token if isinstance(token, str) else None
        )
        return session, payloads.Viewer("host", None, table.id)
    if role == "participant":
        token = token if isinstance(token, str) else request.cookies.get(f"p_{session.code}")
        participant = domain.participant_for(session, token)
        viewer = payloads.Viewer("participant", participant.id, participant.table_id)
        return session, viewer
    raise Forbidden(
        "Role must be wall, participant, facilitator, host or organiser.", code="bad_role"
    )


@socketio.on("connect")
def on_connect(auth=None):
    if isinstance(auth, dict) and auth.get("role") == "organiser":
        return connect_dashboard(auth)
    try:
        session, viewer = authenticate(auth)
        if viewer.participant_id and socket_strikes.wait(event_budget_key(viewer)):
            # It was cut off for flooding and came straight back: not yet.
            raise RateLimited("Too many messages; wait a moment before reconnecting.")
    except DomainError as error:
        db.session.remove()
        raise ConnectionRefusedError(error.message, error.as_dict()) from None
    try:
        for room in rooms.rooms_for(session.id, viewer):
            join_room(room)
        connections[request.sid] = (session.id, viewer)
        guard_admits(viewer, session)
        if viewer.participant_id:
            participant_sockets[viewer.participant_id].add(request.sid)
            presence.phone_connected(session.id)
        # The first state, before any live event: a screen never applies a change to nothing.
        emit(rooms.SESSION_UPDATE, payloads.session_payload(session, domain.counts(session)))
        emit(rooms.ROUND_UPDATE, payloads.round_payload(session))
        spotlight = domain.spotlight_insight(session)
        emit(
            rooms.SPOTLIGHT,
            {"insight": payloads.insight_payload(session, spotlight) if spotlight else None},
        )
        themes = domain.themes_of(session, public=True)
        if themes:  # a session without themes costs one small query per connect, no event
            emit(rooms.THEME_UPDATE, payloads.themes_payload(themes))
        if viewer.role == "facilitator":  # a reloaded console counts the phones at once, not 0
            emit(rooms.PRESENCE, {"phones": connected_phones(session.id)})
    finally:
        db.session.remove()
    if viewer.role == "participant":
        presence_changed(session.id)


@socketio.on("disconnect")
def on_disconnect(*_reason):
    session_id, viewer = connections.pop(request.sid, (None, None))
    dashboard.forget(request.sid)
    socket_events.forget(("sid", request.sid))
    socket_strikes.forget(("sid", request.sid))
    if viewer and viewer.participant_id:
        presence.phone_left(session_id)
        participant_sockets[viewer.participant_id].discard(request.sid)
        if not participant_sockets[viewer.participant_id]:
            del participant_sockets[viewer.participant_id]
        presence_changed(session_id)


def connect_dashboard(auth: dict) -> None:
    """An organiser's live event dashboard (dashboard.py): refused like any other bad connect."""
    try:
        ratelimit.connects_per_address.check(
            ratelimit.client_address(), "Too many connections from this network."
        )
        event = dashboard.authenticate(auth)
        guard_admits(payloads.Viewer("organiser"), None)
        dashboard.watch(event)
    except DomainError as error:
        raise ConnectionRefusedError(error.message, error.as_dict()) from None
    finally:
        db.session.remove()


def guard_admits(viewer, session) -> None:
    """Tell the Engine.IO guard this socket authenticated, and whose event budget it spends."""
    guard = socketguard.guard_of(socketio.server)
    eio_sid = socketio.server.manager.eio_sid_from_sid(request.sid, "/")
    if guard is None or eio_sid is None:
        return  # the in-process test client has no Engine.IO layer
    message = N_("Too many messages on this connection.")
    if viewer.role == "participant":
        message = in_phone_language(message, session.id)
    guard.authenticated(eio_sid, event_budget_key(viewer), message)


def presence_changed(session_id: int) -> None:
    socketio.emit(
        rooms.PRESENCE,
        {"phones": connected_phones(session_id)},
        to=rooms.facilitator_room(session_id),
    )


def handler(event: str):
    """Wrap a socket handler: map domain errors to an error ack, never leak a 500.

    The event has already spent its budget before it was decoded (socketguard.SocketGuard).
    """

    def decorate(function):
        def wrapped(data=None):
            session_id, viewer = connections.get(request.sid, (None, None))
            try:
                if viewer is None:
                    raise Forbidden("Not connected to a session.", code="not_connected")
                if viewer.is_facilitator and not still_facilitator(session_id):
                    disconnect()
                    raise Forbidden("The facilitator key was changed.", code="key_revoked")
                session = domain.queries.session_by_id(session_id)
                inputs.check_value(data)  # lone surrogates, absurd nesting: an error ack
                return function(session, viewer, data if isinstance(data, dict) else {})
            except DomainError as error:
                db.session.rollback()
                answer = {"ok": False, "error": error.as_dict()}
                if viewer is not None and viewer.role == "participant":
                    answer["error"]["message"] = in_phone_language(error.message, session_id)
                if isinstance(error, RateLimited):
                    answer["error"]["retry_after"] = error.extra.get("retry_after", 1)
                return answer
            except Exception:  # a bug: still answer, so the phone does not wait for its timeout
                db.session.rollback()
                logger.exception("Unhandled error in socket event %s", event)
                return {"ok": False, "error": {"code": "internal_error", "message": INTERNAL}}
            finally:
                db.session.remove()
                # Let the greenlets waiting for the database connection in first: a client with
                # a full buffer of events would otherwise take it back at once, and on SQLite's
                # single connection starve everyone else's posts.
                socketio.sleep(0)

        wrapped.__name__ = function.__name__
        return socketio.on(event)(wrapped)

    return decorate


def in_phone_language(message: str, session_id: int) -> str:
    """A phone shows its error acks to a person: in the language of its page, chosen by the same
    rule as the page (`select_locale`). Walls, consoles and tools keep the English text of the API."""
    session = domain.queries.session_by_id(session_id)
    g.session_language = session.language if session else None
    with force_locale(select_locale()):
        return gettext(message)


def still_facilitator(session_id: int) -> bool:
    """A facilitator socket keeps its rights while it is in the facilitator room.

    Rotating the key closes that room on every process (python-socketio sends close_room through
    the message queue), so a socket on another process that still holds the old key loses its
    rights there too and is disconnected at its next event.
    """
    return rooms.facilitator_room(session_id) in socketio.server.rooms(request.sid)


def event_budget_key(viewer) -> tuple:
    """Whose budget a socket event spends.

    A connection's budget must survive a reconnect, or a flooder would reconnect for a fresh
    burst: phones spend their participant's budget (shared by all its connections), walls the
    budget of their address (a venue has a few walls; they send a resync per reconnect), and
    facilitators, who hold the key, their connection's.
    """
    if viewer.participant_id:
        return ("participant", viewer.participant_id)
    if viewer.role == "wall":
        return ("wall", ratelimit.client_address())
    return ("sid", request.sid)


def participant_of(session, viewer):
    if viewer.role != "participant":
        raise Forbidden("Only participants can do this.", code="participants_only")
    return domain.queries.participant_by_id(viewer.participant_id)


@handler(rooms.INSIGHT_POST)
def on_insight_post(session, viewer, data):
    participant = participant_of(session, viewer)
    insight, _created = domain.post_insight(session, participant, data)
    return {"ok": True, "insight": payloads.payload_for(session, insight, viewer)}


@handler(rooms.INSIGHT_VOTE)
def on_insight_vote(session, viewer, data):
    participant = participant_of(session, viewer)
    votes, voted = domain.vote(session, participant, data.get("insight_id"))
    return {"ok": True, "votes": votes, "voted": voted}


@handler(rooms.INSIGHT_EDIT)
def on_insight_edit(session, viewer, data):
    """`{"insight_id", "text"}`: its author's edit, acked as `insight:post` is."""
    participant = participant_of(session, viewer)
    insight = domain.edit_own_insight(session, participant, data.get("insight_id"), data)
    return {"ok": True, "insight": payloads.payload_for(session, insight, viewer)}


@handler(rooms.INSIGHT_WITHDRAW)
def on_insight_withdraw(session, viewer, data):
    """`{"insight_id"}`: its author withdraws it; the ack carries the withdrawn stub."""
    participant = participant_of(session, viewer)
    insight = domain.withdraw_insight(session, participant, data.get("insight_id"))
    return {"ok": True, "insight": payloads.payload_for(session, insight, viewer)}


@handler(rooms.THEME_VOTE)
def on_theme_vote(session, viewer, data):
    participant = participant_of(session, viewer)
    votes, voted = domain.vote_theme(session, participant, data.get("theme_id"))
    return {"ok": True, "votes": votes, "voted": voted}


@handler(rooms.RESYNC)
def on_resync(session, viewer, data):
    if viewer.is_facilitator and rooms.facilitator_room(session.id) not in socketio.server.rooms(
        request.sid
    ):
        viewer = payloads.WALL  # the key was rotated: this socket keeps only what a wall sees
    ratelimit.resyncs.check(event_budget_key(viewer), "Too many resyncs; wait a moment.")
    if viewer.role == "participant":
        participant = domain.queries.participant_by_id(viewer.participant_id)
        viewer = payloads.Viewer("participant", participant.id, participant.table_id)
    # `seq`: the session's change counter read before the query. Seqs are taken under the session
    # row's lock, so every change up to it is committed and in the answer: the client may resync
    # from there next time, even if some live events of earlier changes never reached it.
    confirmed = session.seq
    return {
        "insights": domain.insights_since(session, data.get("since", 0), viewer),
        "seq": confirmed,
    }
