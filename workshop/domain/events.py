"""Events (containers of sessions that organisers export across) and erasure of a session."""

from sqlalchemy import delete, select, update
from sqlalchemy import text as text_sql

from .. import media
from ..errors import N_, NotFound
from ..extensions import db
from ..models import (
    Event,
    Insight,
    Participant,
    Session,
    Story,
    Table,
    TableSummary,
    Theme,
    ThemeVote,
    Vote,
)
from .fields import is_row_id, text_field


def get_event(event_id) -> Event:
    event = db.session.get(Event, event_id) if is_row_id(event_id) else None
    if event is None:
        raise NotFound(N_("No event with that id."), code="event_not_found")
    return event


def create_event(name) -> Event:
    """Create an event: a container for sessions that organisers export across."""
    event = Event(name=text_field({"name": name}, "name", max_length=200))
    db.session.add(event)
    db.session.commit()
    return event


def assign_event(session: Session, event_id: int | None) -> Session:
    """Put a session in an event (None takes it out)."""
    if event_id is not None:
        get_event(event_id)
    session.event_id = event_id
    db.session.commit()
    return session


def delete_session(session: Session) -> dict:
    """Erase a session and everything about its participants (GDPR); return what was deleted.

    Explicit deletes in dependency order rather than cascades, so nothing depends on the
    database enforcing foreign keys. On SQLite, secure_delete overwrites the freed pages and a
    checkpoint empties the write-ahead log, so the texts do not linger in the files either.
    """
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        db.session.execute(text_sql("PRAGMA secure_delete = ON"))
    insight_ids = select(Insight.id).where(Insight.session_id == session.id).scalar_subquery()
    participant_ids = (
        select(Participant.id).where(Participant.session_id == session.id).scalar_subquery()
    )
    table_ids = select(Table.id).where(Table.session_id == session.id).scalar_subquery()
    photos = db.session.scalars(
        select(Insight.photo).where(Insight.session_id == session.id, Insight.photo.is_not(None))
    ).all()
    theme_ids = select(Theme.id).where(Theme.session_id == session.id).scalar_subquery()
    deleted = {}
    session.spotlight_insight_id = None
    db.session.flush()
    db.session.execute(
        update(Insight).where(Insight.session_id == session.id).values(merged_into_id=None)
    )
    for name, statement in (
        ("votes", delete(Vote).where(Vote.insight_id.in_(insight_ids))),
        ("votes_cast", delete(Vote).where(Vote.participant_id.in_(participant_ids))),
        ("theme_votes", delete(ThemeVote).where(ThemeVote.theme_id.in_(theme_ids))),
        (
            "theme_votes_cast",
            delete(ThemeVote).where(ThemeVote.participant_id.in_(participant_ids)),
        ),
        ("insights", delete(Insight).where(Insight.session_id == session.id)),
        ("themes", delete(Theme).where(Theme.session_id == session.id)),
        ("participants", delete(Participant).where(Participant.session_id == session.id)),
        ("summaries", delete(TableSummary).where(TableSummary.table_id.in_(table_ids))),
        ("stories", delete(Story).where(Story.table_id.in_(table_ids))),
        ("tables", delete(Table).where(Table.session_id == session.id)),
        ("sessions", delete(Session).where(Session.id == session.id)),
    ):
        deleted[name] = db.session.execute(statement).rowcount
    db.session.commit()
    if sqlite:
        db.session.execute(text_sql("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
    for name in photos:  # the files go with their rows (after the commit: never a row without)
        media.delete(name)
    deleted["photos"] = len(photos)
    deleted["votes"] += deleted.pop("votes_cast")
    deleted["theme_votes"] += deleted.pop("theme_votes_cast")
    return deleted
