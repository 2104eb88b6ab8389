"""One row per insight, with everything DESIGN.md section 7 names, in the session's language."""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import tags
from ..extensions import db
from ..models import Insight, InsightStatus, Table

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
STATUS_LABELS = {
    "nl": {"visible": "zichtbaar", "hidden": "verborgen", "pending": "wacht op goedkeuring"},
    "en": {"visible": "visible", "hidden": "hidden", "pending": "pending"},
}
# Characters XML 1.0 (XLSX, DOCX) cannot hold; a participant's text may still contain them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    return NOT_XML.sub("", text) if isinstance(text, str) else text


@dataclass
class Entry:
    """An insight with what the harvest says about it: its table and its author as shown."""

    insight: Insight
    table: Table
    author: str | None  # the name, or None: anonymous post, anonymised export, or no name given
    organisation_type: str | None  # a key of the organisation_types tag set


def insights_of(session, *, include_hidden: bool = False) -> list[Insight]:
    """Visible insights (facilitator's full export: every status), in table and time order."""
    query = (
        select(Insight)
        .where(Insight.session_id == session.id)
        .options(selectinload(Insight.participant))
        .order_by(Insight.table_id, Insight.created_at, Insight.id)
    )
    if not include_hidden:
        query = query.where(Insight.status == InsightStatus.VISIBLE)
    return db.session.scalars(query).all()


def entries(session, *, include_hidden: bool = False, anonymise: bool = False) -> list[Entry]:
    tables = {table.id: table for table in session.tables}
    out = []
    for insight in insights_of(session, include_hidden=include_hidden):
        participant = insight.participant
        named = participant is not None and participant.name and not insight.anonymous
        out.append(
            Entry(
                insight=insight,
                table=tables[insight.table_id],
                author=participant.name if named and not anonymise else None,
                organisation_type=participant.organisation_type if participant else None,
            )
        )
    return out


def row(session, entry: Entry, language: str) -> dict:
    insight = entry.insight
    return {
        "session": session.title,
        "table": entry.table.name,
        "question": entry.table.question,
        "text": insight.text,
        "kind": tags.label("kinds", insight.kind, language) if insight.kind else "",
        "perspectives": ", ".join(
            tags.label("perspectives", p, language) for p in insight.perspectives or []
        ),
        "phase": tags.label("phases", insight.phase, language) if insight.phase else "",
        "round": insight.round,
        "votes": insight.votes,
        "author": entry.author or ANONYMOUS[language],
        "organisation_type": tags.label("organisation_types", entry.organisation_type, language)
        if entry.organisation_type
        else "",
        "created_at": insight.created_at.isoformat(),
        "status": STATUS_LABELS[language].get(insight.status, insight.status),
    }


def rows(
    session, *, include_hidden: bool = False, anonymise: bool = False, language: str | None = None
) -> list[dict]:
    language = language or session.language
    return [
        row(session, entry, language)
        for entry in entries(session, include_hidden=include_hidden, anonymise=anonymise)
    ]
