"""The JSON objects of the contract (workshop/data/openapi.json), shared by the API and Socket.IO."""

from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from . import links, tags
from .extensions import db
from .models import Insight, InsightStatus, Session, TableSummary


@dataclass(frozen=True)
class Viewer:
    """Who is looking: decides which insights and fields a payload may show."""

    role: str  # "wall" | "participant" | "facilitator" | "host" (one table's host page)
    participant_id: int | None = None
    table_id: int | None = None

    @property
    def is_facilitator(self) -> bool:
        return self.role == "facilitator"


WALL = Viewer("wall")
FACILITATOR = Viewer("facilitator")


def iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def insight_payload(session: Session, insight: Insight, *, facilitator: bool = False) -> dict:
    show_author = not insight.anonymous and (facilitator or not session.setting("hide_authors"))
    participant = insight.participant
    payload = {
        "id": insight.id,
        "client_id": insight.client_id,
        "seq": insight.seq,
        "table_id": insight.table_id,
        "text": insight.text,
        "kind": insight.kind,
        "perspectives": list(insight.perspectives or []),
        "phase": insight.phase,
        "votes": insight.votes,
        "status": insight.status,
        "pinned": insight.pinned,
        "round": insight.round,
        "theme_id": insight.theme_id,
        "created_at": iso(insight.created_at),
        "author": (
            {"name": participant.name, "organisation_type": participant.organisation_type}
            if show_author and participant is not None
            else None
        ),
        "quote_consent": insight.consent_level,  # how documents may quote it afterwards
        "photo": photo_payload(insight),
    }
    if facilitator:
        payload |= {
            # Who is speaking, for the console only (walls and phones show what they always did).
            "speaker": (
                {
                    "name": participant.name,
                    "organisation_type": participant.organisation_type,
                    "organisation": participant.organisation,
                    "role": participant.role,
                    "place": participant.place,
                }
                if participant is not None
                else None
            ),
            "anonymous": insight.anonymous,  # the console marks it, so no one guesses a name
            "withheld": insight.withheld,
            "original_text": insight.original_text,
            "merged_into": insight.merged_into_id,
            "participant_id": insight.participant_id,
        }
    return payload


def photo_payload(insight: Insight) -> dict | None:
    """Where the photo and its thumbnail are served (views/media.py), and the photo's size."""
    if not insight.photo:
        return None
    return {
        "url": links.photo_path(insight.photo),
        "thumb_url": links.photo_path(insight.photo, thumb=True),
        "width": insight.photo_width,
        "height": insight.photo_height,
    }


def hidden_stub(insight: Insight) -> dict:
    return {"id": insight.id, "seq": insight.seq, "status": "hidden"}


def withdrawn_stub(insight: Insight) -> dict:
    """What everyone, its author and the facilitator too, gets of a withdrawn insight."""
    return {"id": insight.id, "seq": insight.seq, "status": "withdrawn"}


def payload_for(session: Session, insight: Insight, viewer: Viewer) -> dict:
    """The insight as this viewer may see it now; a stub where it may not (any more)."""
    if insight.status == InsightStatus.WITHDRAWN:
        return withdrawn_stub(insight)
    if viewer.is_facilitator:
        return insight_payload(session, insight, facilitator=True)
    own = viewer.participant_id is not None and insight.participant_id == viewer.participant_id
    if own:
        own_view = {"own": True, "withheld": insight.withheld, "anonymous": insight.anonymous}
        return insight_payload(session, insight) | own_view
    if insight.public:
        return insight_payload(session, insight)
    return hidden_stub(insight)


def theme_payload(summary) -> dict:
    """A theme (domain.themes.ThemeSummary) as the API and `theme:update` show it."""
    return {
        "id": summary.id,
        "name": summary.name,
        "order": summary.theme.position,
        "votes": summary.votes,
        "insight_ids": [insight.id for insight in summary.insights],
    }


def themes_payload(summaries) -> dict:
    return {"themes": [theme_payload(summary) for summary in summaries]}


def table_payload(table) -> dict:
    return {
        "id": table.id,
        "name": table.name,
        "question": table.question,
        "host": table.host,
        "colour": table.colour,
        "order": table.position,
        "join_url": links.join_url(table.session.code, table.id),
        "summary": table.summary.text if table.summary else "",
    }


def round_payload(session: Session) -> dict:
    return {
        "number": session.round_number,
        "title": session.round_title,
        "ends_at": iso(session.round_ends_at),
    }


def load_summaries(tables) -> None:
    """Load the tables' summaries in one query instead of one lazy load per table.

    Every phone page, wall page and socket connect builds a session payload; in a join-storm
    profile the per-table summary queries were a large share of the server's time.
    """
    missing = [table for table in tables if "summary" in inspect(table).unloaded]
    if len(missing) < 2:
        return
    found = {
        summary.table_id: summary
        for summary in db.session.scalars(
            select(TableSummary).where(TableSummary.table_id.in_([t.id for t in missing]))
        )
    }
    for table in missing:
        set_committed_value(table, "summary", found.get(table.id))


def session_fields(session: Session) -> dict:
    """What a session is, the same in the live payload and in the JSON harvest."""
    return {
        "code": session.code,
        "title": session.title,
        "description": session.description,
        "language": session.language,
        "state": session.state,
        "seq": session.seq,
        "settings": dict(session.settings or {}),
    }


def session_payload(session: Session, counts: dict | None = None) -> dict:
    """Public fields of a session: what every client receives as `session:update`."""
    load_summaries(session.tables)
    return {
        **session_fields(session),
        "tables": [table_payload(table) for table in session.tables],
        "round": round_payload(session),
        "counts": counts or {},
        "event_id": session.event_id,
        "join_url": links.join_url(session.code),
        "wall_url": links.wall_url(session.code),
        "tag_set": tags.fingerprint(session),
    }
