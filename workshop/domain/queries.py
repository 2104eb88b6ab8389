"""Reads: what walls, phones, consoles and exports show. Views ask these, not the models."""

from sqlalchemy import func, select

from .. import payloads
from ..errors import Invalid
from ..extensions import db
from ..models import Event, Insight, InsightStatus, Participant, Session, Table, Vote
from .fields import ROW_ID_LIMIT, is_whole


def counts(session: Session) -> dict:
    """Visible insights per table (withheld ones too: silent mode shows counts, not texts)."""
    # One grouped query gives both the visible counts per table and the pending total: every
    # page and socket connect asks for counts, so each query saved counts in a join storm.
    rows = db.session.execute(
        select(Insight.table_id, Insight.status, func.count())
        .where(
            Insight.session_id == session.id,
            Insight.status.in_((InsightStatus.VISIBLE, InsightStatus.PENDING)),
        )
        .group_by(Insight.table_id, Insight.status)
    ).all()
    per_table = {str(table.id): 0 for table in session.tables}
    per_table.update(
        {str(table_id): n for table_id, status, n in rows if status == InsightStatus.VISIBLE}
    )
    pending = sum(n for _, status, n in rows if status == InsightStatus.PENDING)
    return {
        "insights": sum(per_table.values()),
        "tables": per_table,
        "participants": participant_count(session),
        "pending": pending,
    }


def insights_since(session: Session, since: int, viewer) -> list[dict]:
    """Every insight changed after `since` as the viewer may see it now."""
    if not is_whole(since) or not 0 <= since < ROW_ID_LIMIT:
        raise Invalid("'since' must be a whole number from 0.", field="since")
    query = select(Insight).where(Insight.session_id == session.id, Insight.seq > since)
    if viewer.role == "participant":
        query = query.where(
            (Insight.table_id == viewer.table_id)
            | (Insight.participant_id == viewer.participant_id)
        )
    elif viewer.role == "host":
        query = query.where(Insight.table_id == viewer.table_id)
    insights = db.session.scalars(query.order_by(Insight.seq)).all()
    return [payloads.payload_for(session, insight, viewer) for insight in insights]


def voted_ids(participant: Participant | None) -> set[int]:
    if participant is None:
        return set()
    return set(db.session.scalars(select(Vote.insight_id).filter_by(participant_id=participant.id)))


def spotlight_insight(session: Session) -> Insight | None:
    if session.spotlight_insight_id is None:
        return None
    insight = db.session.get(Insight, session.spotlight_insight_id)
    return insight if insight is not None and insight.public else None


def visible_insights(session: Session) -> list[Insight]:
    """Newest first, pinned first: the order of a wall column."""
    return db.session.scalars(
        select(Insight)
        .where(Insight.session_id == session.id, Insight.public)
        .order_by(Insight.pinned.desc(), Insight.created_at.desc(), Insight.id.desc())
    ).all()


def phone_insights(session: Session, participant: Participant, limit: int = 200) -> list[Insight]:
    """A phone's feed before filtering for it: its table's insights and its own, newest first."""
    return db.session.scalars(
        select(Insight)
        .where(Insight.session_id == session.id, Insight.status != InsightStatus.WITHDRAWN)
        .where(
            (Insight.table_id == participant.table_id) | (Insight.participant_id == participant.id)
        )
        .order_by(Insight.pinned.desc(), Insight.created_at.desc(), Insight.id.desc())
        .limit(limit)
    ).all()


def all_insights(session: Session) -> list[Insight]:
    """Every insight, hidden and waiting ones too, newest first: the console's list.

    Not the withdrawn ones: their authors took them back, from the facilitator too.
    """
    return db.session.scalars(
        select(Insight)
        .where(Insight.session_id == session.id, Insight.status != InsightStatus.WITHDRAWN)
        .order_by(Insight.created_at.desc(), Insight.id.desc())
    ).all()


def table_insights(session: Session, table: Table) -> list[Insight]:
    """A table's visible insights, most recognised first: what its host summarises."""
    return db.session.scalars(
        select(Insight)
        .where(Insight.session_id == session.id, Insight.table_id == table.id, Insight.public)
        .order_by(Insight.votes.desc(), Insight.created_at.desc(), Insight.id.desc())
    ).all()


def all_sessions(newest_first: bool = True) -> list[Session]:
    order = Session.created_at.desc() if newest_first else Session.created_at
    return db.session.scalars(select(Session).order_by(order)).all()


def any_session() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Session)))


def all_events(newest_first: bool = False) -> list[Event]:
    order = (Event.created_at.desc(), Event.id) if newest_first else (Event.id,)
    return db.session.scalars(select(Event).order_by(*order)).all()


def participant_count(session: Session) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Participant).filter_by(session_id=session.id)
    )


def public_insights(session: Session) -> list[Insight]:
    """Every insight walls and phones may see (for counting: in no particular order)."""
    return db.session.scalars(
        select(Insight).where(Insight.session_id == session.id, Insight.public)
    ).all()


def seated(session: Session) -> list[tuple]:
    """(table id, organisation type, how many) of the participants seated at a table."""
    return db.session.execute(
        select(Participant.table_id, Participant.organisation_type, func.count())
        .where(Participant.session_id == session.id, Participant.table_id.is_not(None))
        .group_by(Participant.table_id, Participant.organisation_type)
    ).all()


def session_by_id(session_id: int) -> Session | None:
    return db.session.get(Session, session_id)


def participant_by_id(participant_id: int) -> Participant | None:
    return db.session.get(Participant, participant_id)
