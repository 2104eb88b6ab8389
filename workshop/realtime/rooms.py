"""Who receives what, live: Socket.IO rooms and the one list of event names.

Rooms (per-table rooms for phones keep fan-out proportional to a table, not to the room):
  s:<id>        everyone in the session: session, round, themes
  s:<id>:wall   walls: visible insights, spotlight
  s:<id>:fac    facilitators: every insight with its status and author
  s:<id>:t:<id> phones seated at one table, and its host's page: that table's visible insights
  p:<id>        one participant's phones: their own posts while not public
  e:<id>        organisers' live dashboards of one event (dashboard.py; this process's only)
"""

from .. import payloads

# The closed list of event names; the browser gets it in every page's data (`EVENTS`).
INSIGHT_NEW = "insight:new"
INSIGHT_UPDATE = "insight:update"
INSIGHT_REMOVE = "insight:remove"
SESSION_UPDATE = "session:update"
ROUND_UPDATE = "round:update"
SPOTLIGHT = "spotlight"
PRESENCE = "presence"
FACILITATOR_REVOKED = "facilitator:revoked"
EVENT_UPDATE = "event:update"
THEME_UPDATE = "theme:update"
SERVER_EVENTS = (
    INSIGHT_NEW,
    INSIGHT_UPDATE,
    INSIGHT_REMOVE,
    SESSION_UPDATE,
    ROUND_UPDATE,
    SPOTLIGHT,
    PRESENCE,
    FACILITATOR_REVOKED,
    EVENT_UPDATE,
    THEME_UPDATE,
)
INSIGHT_POST = "insight:post"
INSIGHT_VOTE = "insight:vote"
INSIGHT_EDIT = "insight:edit"
INSIGHT_WITHDRAW = "insight:withdraw"
RESYNC = "resync"
THEME_VOTE = "theme:vote"
CLIENT_EVENTS = (INSIGHT_POST, INSIGHT_VOTE, INSIGHT_EDIT, INSIGHT_WITHDRAW, RESYNC, THEME_VOTE)
# What the browser gets as `EVENTS` in every page's data (templates/partials/page_data.html).
EVENT_NAMES = {
    name: value
    for name, value in globals().copy().items()
    if name.isupper() and isinstance(value, str) and value in SERVER_EVENTS + CLIENT_EVENTS
}


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


def event_room(event_id: int) -> str:
    return f"e:{event_id}"


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
