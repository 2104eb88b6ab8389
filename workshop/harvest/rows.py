"""One row per insight, with everything DESIGN.md section 7 names, in the session's language."""

from sqlalchemy import select

from .. import tags
from ..extensions import db
from ..models import Insight, InsightStatus

COLUMNS = (
    "session",
    "table",
    "question",
    "text",
    "kind",
    "perspectives",
    "phase",
    "round",
    "votes",
    "author",
    "organisation_type",
    "created_at",
    "status",
)
HEADERS = {
    "nl": (
        "Sessie",
        "Tafel",
        "Vraag",
        "Inzicht",
        "Soort",
        "Perspectieven",
        "Fase",
        "Ronde",
        "Herkenbaar",
        "Auteur",
        "Organisatie",
        "Tijd",
        "Status",
    ),
    "en": (
        "Session",
        "Table",
        "Question",
        "Insight",
        "Kind",
        "Perspectives",
        "Phase",
        "Round",
        "Recognised",
        "Author",
        "Organisation",
        "Time",
        "Status",
    ),
}
ANONYMOUS = {"nl": "anoniem", "en": "anonymous"}


def insights_of(session, *, include_hidden: bool = False) -> list[Insight]:
    statuses = [InsightStatus.VISIBLE] + ([InsightStatus.HIDDEN] if include_hidden else [])
    return db.session.scalars(
        select(Insight)
        .where(Insight.session_id == session.id, Insight.status.in_(statuses))
        .order_by(Insight.table_id, Insight.created_at, Insight.id)
    ).all()


def rows(session, *, include_hidden: bool = False, anonymise: bool = False) -> list[dict]:
    language = session.language
    tables = {table.id: table for table in session.tables}
    out = []
    for insight in insights_of(session, include_hidden=include_hidden):
        table = tables[insight.table_id]
        named = not insight.anonymous and insight.participant and not anonymise
        participant = insight.participant
        out.append(
            {
                "session": session.title,
                "table": table.name,
                "question": table.question,
                "text": insight.text,
                "kind": tags.label("kinds", insight.kind, language) if insight.kind else "",
                "perspectives": ", ".join(
                    tags.label("perspectives", p, language) for p in insight.perspectives or []
                ),
                "phase": tags.label("phases", insight.phase, language) if insight.phase else "",
                "round": insight.round,
                "votes": insight.votes,
                "author": participant.name if named else ANONYMOUS[language],
                "organisation_type": tags.label(
                    "organisation_types", participant.organisation_type, language
                )
                if participant and participant.organisation_type
                else "",
                "created_at": insight.created_at.isoformat(),
                "status": insight.status,
            }
        )
    return out
