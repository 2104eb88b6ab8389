"""Who receives what, live: Socket.IO rooms, event names and the emits the domain asks for.

Rooms (per-table rooms for phones keep fan-out proportional to a table, not to the room):
  s:<id>        everyone in the session: session, round
  s:<id>:wall   walls: visible insights, spotlight
  s:<id>:fac    facilitators: every insight with its status and author
  s:<id>:t:<id> phones seated at one table, and its host's page: that table's visible insights
  p:<id>        one participant's phones: their own posts while not public
"""

from . import payloads
from .extensions import socketio
from .models import Insight, Session

# The closed list of event names; static/js/live.js mirrors it.
INSIGHT_NEW = "insight:new"
INSIGHT_UPDATE = "insight:update"
INSIGHT_REMOVE = "insight:remove"
SESSION_UPDATE = "session:update"
ROUND_UPDATE = "round:update"
SPOTLIGHT = "spotlight"
PRESENCE = "presence"
FACILITATOR_REVOKED = "facilitator:revoked"
SERVER_EVENTS = (
    INSIGHT_NEW,
    INSIGHT_UPDATE,
    INSIGHT_REMOVE,
    SESSION_UPDATE,
    ROUND_UPDATE,
    SPOTLIGHT,
    PRESENCE,
    FACILITATOR_REVOKED,
)
INSIGHT_POST = "insight:post"
INSIGHT_VOTE = "insight:vote"
RESYNC = "resync"
CLIENT_EVENTS = (INSIGHT_POST, INSIGHT_VOTE, RESYNC)


def session_room(session_id: int) -> str:
    return f"s:{session_id}"


def wall_room(session_id: int) -> str:
    return f"s:{session_id}:wall"


def facilitator_room(session_id: int) -> str:
    return f"s:{session_id}:fac"


def table_room(session_id: int, table_id: int) -> str:
    return f"s:{session_id}:t:{table_id}"


def participant_room(participant_id: int) -> str:
    return f"p:{participant_id}"


def rooms_for(session_id: int, viewer: payloads.Viewer) -> list[str]:
    rooms = [session_room(session_id)]
    if viewer.role == "wall":
        rooms.append(wall_room(session_id))
    elif viewer.role == "facilitator":
        rooms.append(facilitator_room(session_id))
    elif viewer.role == "host":
        rooms.append(table_room(session_id, viewer.table_id))
    else:
        rooms.append(participant_room(viewer.participant_id))
        if viewer.table_id:
            rooms.append(table_room(session_id, viewer.table_id))
    return rooms


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
    if insight.withheld and created:
        counts_changed(session)


def counts_changed(session: Session) -> None:
    """In silent mode walls and phones see counts instead of texts."""
    from .sessions import counts

    socketio.emit(SESSION_UPDATE, {"counts": counts(session)}, to=session_room(session.id))


def session_changed(session: Session) -> None:
    from .sessions import counts

    socketio.emit(
        SESSION_UPDATE,
        payloads.session_payload(session, counts(session)),
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
    from .realtime import sockets_of_participant

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
    the sockets stop receiving facilitator events at once and lose their rights (realtime.py
    `still_facilitator`, disconnected at their next event). This process's sockets are
    disconnected right away. A console reconnects only with the new key.
    """
    from .realtime import facilitator_sockets

    room = facilitator_room(session.id)
    socketio.emit(FACILITATOR_REVOKED, {"code": session.code}, to=room)
    socketio.close_room(room)
    for sid in facilitator_sockets(session.id):
        socketio.server.disconnect(sid, ignore_queue=True)
