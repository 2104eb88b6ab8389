"""An event at a glance: what the live dashboard shows of each of its sessions.

Built from a fixed handful of grouped queries whatever the number of sessions, since a dashboard
asks for it every second while an event runs. Phones online are not in the database: the caller
passes them in (the realtime layer counts sockets).
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from .. import payloads, tags
from ..extensions import db
from ..models import Event, Insight, InsightStatus, Session, Table

RECENT = timedelta(minutes=5)  # "posts in the last 5 minutes"
# Per session: the seq read up to, and each visible insight's (table, perspectives). A tick reads
# only the insights changed since (see `_covered`).
_covered_cache: dict[int, tuple[int, dict[int, tuple[int, tuple]]]] = {}


def event_overview(
    event: Event, phones_of: Callable[[list[int]], dict[int, int]], now: datetime | None = None
) -> dict:
    """The `event:update` payload: one entry per session of the event, oldest first.

    `phones_of(session_ids)` counts the phones online per session.
    """
    now = now or datetime.now(UTC)
    sessions = db.session.scalars(
        select(Session).where(Session.event_id == event.id).order_by(Session.created_at, Session.id)
    ).all()
    ids = [session.id for session in sessions]
    if not ids:
        return {"sessions": []}
    phones = phones_of(ids)
    statuses = _count_by_status(ids)
    recent = dict(
        db.session.execute(
            select(Insight.session_id, func.count())
            .where(Insight.session_id.in_(ids), Insight.created_at >= now - RECENT)
            .group_by(Insight.session_id)
        ).all()
    )
    tables = _tables_of(ids)
    return {
        "sessions": [
            {
                "code": session.code,
                "title": session.title,
                "state": session.state,
                "phones": phones.get(session.id, 0),
                "insights": statuses.get((session.id, InsightStatus.VISIBLE), 0),
                "recent": recent.get(session.id, 0),
                "pending": statuses.get((session.id, InsightStatus.PENDING), 0),
                "round": payloads.round_payload(session),
                "tables": [
                    {"id": table.id, "name": table.name} for table in tables.get(session.id, [])
                ],
                "blind_spots": _blind_spots(session, tables.get(session.id, [])),
            }
            for session in sessions
        ]
    }


def _count_by_status(session_ids: list[int]) -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        select(Insight.session_id, Insight.status, func.count())
        .where(Insight.session_id.in_(session_ids))
        .group_by(Insight.session_id, Insight.status)
    ).all()
    return {(session_id, status): n for session_id, status, n in rows}


def _tables_of(session_ids: list[int]) -> dict[int, list[Table]]:
    tables: dict[int, list[Table]] = {}
    for table in db.session.scalars(
        select(Table).where(Table.session_id.in_(session_ids)).order_by(Table.position, Table.id)
    ):
        tables.setdefault(table.session_id, []).append(table)
    return tables


def _blind_spots(session: Session, tables: list[Table]) -> dict[str, list[str]]:
    """Per table, the perspectives none of its visible insights has touched yet."""
    covered = _covered(session)
    perspectives = tags.for_session(session).keys("perspectives")
    return {
        str(table.id): [key for key in perspectives if key not in covered.get(table.id, set())]
        for table in tables
    }


def _covered(session: Session) -> dict[int, set[str]]:
    """Perspectives touched per table, read incrementally: only insights changed since last time.

    A busy session changes every second; reading all its insights each time made the dashboard's
    tick grow with the harvest. The cache keeps each visible insight's table and perspectives, so
    a change that hides or withdraws one takes its coverage away too.
    """
    seen_seq, visible = _covered_cache.get(session.id, (0, {}))
    if seen_seq != session.seq:
        visible = dict(visible)
        for insight_id, table_id, perspectives, public in db.session.execute(
            select(Insight.id, Insight.table_id, Insight.perspectives, Insight.public).where(
                Insight.session_id == session.id, Insight.seq > seen_seq
            )
        ):
            if public:
                visible[insight_id] = (table_id, tuple(perspectives or ()))
            else:
                visible.pop(insight_id, None)
        _covered_cache[session.id] = (session.seq, visible)
    covered: dict[int, set[str]] = {}
    for table_id, perspectives in visible.values():
        covered.setdefault(table_id, set()).update(perspectives)
    return covered
