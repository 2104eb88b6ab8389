"""The one publisher: turns the domain's committed changes into Socket.IO events for the rooms.

`create_app` subscribes `publish` to workshop.domain.changes; the domain never emits itself.
"""

from functools import singledispatch

from .. import payloads
from ..domain import changes, queries
from ..extensions import socketio
from ..models import Insight, Session
from .handlers import facilitator_sockets, sockets_of_participant
from .rooms import (
    FACILITATOR_REVOKED,
    INSIGHT_NEW,
    INSIGHT_REMOVE,
    INSIGHT_UPDATE,
    ROUND_UPDATE,
    SESSION_UPDATE,
    SPOTLIGHT,
    facilitator_room,
    participant_room,
    session_room,
    table_room,
    wall_room,
)


@singledispatch
def publish(change) -> None:
    raise TypeError(f"No event for {change!r}")


@publish.register
def _(change: changes.InsightChanged) -> None:
    insight_changed(change.session, change.insight, was_public=change.was_public)


@publish.register
def _(change: changes.SessionChanged) -> None:
    session_changed(change.session)


@publish.register
def _(change: changes.CountsChanged) -> None:
    counts_changed(change.session)


@publish.register
def _(change: changes.RoundChanged) -> None:
    round_changed(change.session)


@publish.register
def _(change: changes.SpotlightChanged) -> None:
    spotlight_changed(change.session, change.insight)


@publish.register
def _(change: changes.ParticipantMoved) -> None:
    participant_moved(change.participant, change.old_table_id)


@publish.register
def _(change: changes.FacilitatorKeyRotated) -> None:
    facilitator_key_rotated(change.session)


def insight_changed(session: Session, insight: Insight, *, was_public: bool | None) -> None:
    """Send one change to each audience; `was_public=None` means the insight is new."""
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


def counts_changed(session: Session) -> None:
    """In silent mode walls and phones see counts instead of texts."""
    socketio.emit(SESSION_UPDATE, {"counts": queries.counts(session)}, to=session_room(session.id))


def session_changed(session: Session) -> None:
    socketio.emit(
        SESSION_UPDATE,
        payloads.session_payload(session, queries.counts(session)),
        to=session_room(session.id),
    )


def round_changed(session: Session) -> None:
    socketio.emit(ROUND_UPDATE, payloads.round_payload(session), to=session_room(session.id))


def spotlight_changed(session: Session, insight: Insight | None) -> None:
    payload = {"insight": payloads.insight_payload(session, insight) if insight else None}
    socketio.emit(SPOTLIGHT, payload, to=[wall_room(session.id), facilitator_room(session.id)])


def participant_moved(participant, old_table_id: int | None) -> None:
    """Move this participant's sockets on this process to the new table's room.

    Sockets on other processes follow when the phone reconnects (the phone does so after a move).
    """
    for sid in sockets_of_participant(participant.id):
        if old_table_id:
            socketio.server.leave_room(sid, table_room(participant.session_id, old_table_id))
        if participant.table_id:
            socketio.server.enter_room(
                sid, table_room(participant.session_id, participant.table_id)
            )


def facilitator_key_rotated(session: Session) -> None:
    """Old keys stop working at once: facilitator sockets are told, dropped from their room and
    disconnected.

    The emit and close_room travel through the message queue, in order, to every process: there
    the sockets stop receiving facilitator events at once and lose their rights (handlers.py
    `still_facilitator`, disconnected at their next event). This process's sockets are
    disconnected right away. A console reconnects only with the new key.
    """
    room = facilitator_room(session.id)
    socketio.emit(FACILITATOR_REVOKED, {"code": session.code}, to=room)
    socketio.close_room(room)
    for sid in facilitator_sockets(session.id):
        socketio.server.disconnect(sid, ignore_queue=True)
