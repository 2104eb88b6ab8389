"""The one publisher: turns the domain's committed changes into Socket.IO events for the rooms.

`create_app` subscribes `publish` to workshop.domain.changes; the domain never emits itself.
"""

from functools import singledispatch

from .. import payloads
from ..domain import changes, queries, themes
from ..extensions import socketio
from .handlers import facilitator_sockets, sockets_of_participant
from .rooms import (
    FACILITATOR_REVOKED,
    INSIGHT_NEW,
    INSIGHT_REMOVE,
    INSIGHT_UPDATE,
    ROUND_UPDATE,
    SESSION_UPDATE,
    SPOTLIGHT,
    THEME_UPDATE,
    facilitator_room,
    participant_room,
    session_room,
    table_room,
    wall_room,
)


@singledispatch
def publish(change) -> None:
    """Emit the events of one committed change (one function per kind of change, below)."""
    raise TypeError(f"No event for {change!r}")


@publish.register
def insight_changed(change: changes.InsightChanged) -> None:
    """Send one change to each audience; `was_public=None` means the insight is new."""
    session, insight, was_public = change.session, change.insight, change.was_public
    created = was_public is None
    socketio.emit(
        INSIGHT_NEW if created else INSIGHT_UPDATE,
        payloads.insight_payload(session, insight, facilitator=True),
        to=facilitator_room(session.id),
    )
    public_rooms = [wall_room(session.id), table_room(session.id, insight.table_id)]
    if insight.public:
        socketio.emit(
            INSIGHT_UPDATE if was_public else INSIGHT_NEW,
            payloads.insight_payload(session, insight),
            to=public_rooms,
        )
    elif was_public:
        socketio.emit(INSIGHT_REMOVE, payloads.hidden_stub(insight), to=public_rooms)
    if insight.participant_id and not insight.public:
        viewer = payloads.Viewer("participant", participant_id=insight.participant_id)
        socketio.emit(
            INSIGHT_NEW if created else INSIGHT_UPDATE,
            payloads.payload_for(session, insight, viewer),
            to=participant_room(insight.participant_id),
        )


@publish.register
def insight_withdrawn(change: changes.InsightWithdrawn) -> None:
    """A withdrawn insight leaves every screen that may show it: consoles, walls, its table's
    phones and its author's phones (one emit: a socket in several of these rooms gets it once)."""
    session, insight = change.session, change.insight
    audience = [facilitator_room(session.id)]
    if change.was_public:
        audience += [wall_room(session.id), table_room(session.id, insight.table_id)]
    if insight.participant_id:
        audience.append(participant_room(insight.participant_id))
    socketio.emit(INSIGHT_REMOVE, payloads.withdrawn_stub(insight), to=audience)


@publish.register
def counts_changed(change: changes.CountsChanged) -> None:
    """In silent mode walls and phones see counts instead of texts."""
    session = change.session
    socketio.emit(SESSION_UPDATE, {"counts": queries.counts(session)}, to=session_room(session.id))


@publish.register
def session_changed(change: changes.SessionChanged) -> None:
    session = change.session
    socketio.emit(
        SESSION_UPDATE,
        payloads.session_payload(session, queries.counts(session)),
        to=session_room(session.id),
    )


@publish.register
def round_changed(change: changes.RoundChanged) -> None:
    session = change.session
    socketio.emit(ROUND_UPDATE, payloads.round_payload(session), to=session_room(session.id))


@publish.register
def spotlight_changed(change: changes.SpotlightChanged) -> None:
    session, insight = change.session, change.insight
    payload = {"insight": payloads.insight_payload(session, insight) if insight else None}
    socketio.emit(SPOTLIGHT, payload, to=[wall_room(session.id), facilitator_room(session.id)])


@publish.register
def themes_changed(change: changes.ThemesChanged) -> None:
    """Every screen of the session gets the themes again: walls, consoles and phones alike see
    the visible insights of each theme (the console knows every insight's theme from its own)."""
    session = change.session
    payload = payloads.themes_payload(themes.themes_of(session, public=True))
    socketio.emit(THEME_UPDATE, payload, to=session_room(session.id))


@publish.register
def participant_moved(change: changes.ParticipantMoved) -> None:
    """Move this participant's sockets on this process to the new table's room.

    Sockets on other processes follow when the phone reconnects (the phone does so after a move).
    """
    participant, old_table_id = change.participant, change.old_table_id
    for sid in sockets_of_participant(participant.id):
        if old_table_id:
            socketio.server.leave_room(sid, table_room(participant.session_id, old_table_id))
        if participant.table_id:
            socketio.server.enter_room(
                sid, table_room(participant.session_id, participant.table_id)
            )


@publish.register
def facilitator_key_rotated(change: changes.FacilitatorKeyRotated) -> None:
    """Old keys stop working at once: facilitator sockets are told, dropped from their room and
    disconnected.

    The emit and close_room travel through the message queue, in order, to every process: there
    the sockets stop receiving facilitator events at once and lose their rights (handlers.py
    `still_facilitator`, disconnected at their next event). This process's sockets are
    disconnected right away. A console reconnects only with the new key.
    """
    session = change.session
    room = facilitator_room(session.id)
    socketio.emit(FACILITATOR_REVOKED, {"code": session.code}, to=room)
    socketio.close_room(room)
    for sid in facilitator_sockets(session.id):
        socketio.server.disconnect(sid, ignore_queue=True)
