"""One row per insight, with every field of docs/HARVEST.md, in the session's language."""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import tags
from ..errors import Invalid
from ..extensions import db
from ..models import Insight, InsightStatus, Table, Theme

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
    "theme",  # after the columns tools read by position (author 10th), before status (last)
    "theme_votes",
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
        "Herkend",
        "Auteur",
        "Organisatie",
        "Tijd",
        "Thema",
        "Stemmen op thema",
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
        "Theme",
        "Theme votes",
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
    theme: Theme | None = None  # the theme across tables the facilitator put it in


def insights_of(session, *, include_hidden: bool = False, filters=None) -> list[Insight]:
    """Visible insights (facilitator's full export: every status), in table and time order."""
    query = (
        select(Insight)
        .where(Insight.session_id == session.id)
        .options(selectinload(Insight.participant))
        .order_by(Insight.table_id, Insight.created_at, Insight.id)
    )
    if not include_hidden:
        query = query.where(Insight.status == InsightStatus.VISIBLE)
    return filter_insights(session, db.session.scalars(query).all(), filters)


FILTERS = ("table", "kind", "perspective", "phase", "organisation_type")


def filter_insights(session, insights: list, filters) -> list:
    """Keep the insights that match `?table=&kind=&perspective=&phase=&organisation_type=`.

    Each filter takes one value or several separated by commas (any of them matches); an unknown
    value is a 422 naming the allowed ones, so a typo never silently exports nothing.
    """
    wanted = {name: export_filter(session, filters, name) for name in FILTERS if filters}
    wanted = {name: values for name, values in wanted.items() if values}
    if not wanted:
        return list(insights)

    def matches(insight) -> bool:
        participant = insight.participant
        values = {
            "table": {str(insight.table_id)},
            "kind": {insight.kind},
            "perspective": set(insight.perspectives or []),
            "phase": {insight.phase},
            "organisation_type": {participant.organisation_type if participant else None},
        }
        return all(values[name] & chosen for name, chosen in wanted.items())

    return [insight for insight in insights if matches(insight)]


def export_filter(session, filters, name: str) -> set:
    raw = filters.get(name) if hasattr(filters, "get") else None
    if not raw:
        return set()
    values = {value.strip() for value in str(raw).split(",") if value.strip()}
    if name == "table":
        allowed = [str(table.id) for table in session.tables]
    else:
        tag_set = {"organisation_type": "organisation_types"}.get(name, name + "s")
        allowed = tags.for_session(session).keys(tag_set)
    unknown = sorted(values - set(allowed))
    if unknown:
        raise Invalid(
            f"Unknown {name} '{unknown[0]}' in the export filter.", field=name, allowed=allowed
        )
    return values


def entries(
    session, *, include_hidden: bool = False, anonymise: bool = False, filters=None
) -> list[Entry]:
    tables = {table.id: table for table in session.tables}
    themes = {
        theme.id: theme
        for theme in db.session.scalars(select(Theme).filter_by(session_id=session.id))
    }
    out = []
    for insight in insights_of(session, include_hidden=include_hidden, filters=filters):
        participant = insight.participant
        named = participant is not None and participant.name and not insight.anonymous
        out.append(
            Entry(
                insight=insight,
                table=tables[insight.table_id],
                author=participant.name if named and not anonymise else None,
                organisation_type=participant.organisation_type if participant else None,
                theme=themes.get(insight.theme_id),
            )
        )
    return out


def row(session, entry: Entry, language: str) -> dict:
    insight = entry.insight
    tag_set = tags.for_session(session)  # the session's own labels, if it brought a tag set
    return {
        "session": session.title,
        "table": entry.table.name,
        "question": entry.table.question,
        "text": insight.text,
        "kind": tag_set.label("kinds", insight.kind, language) if insight.kind else "",
        "perspectives": ", ".join(
            tag_set.label("perspectives", p, language) for p in insight.perspectives or []
        ),
        "phase": tag_set.label("phases", insight.phase, language) if insight.phase else "",
        "theme": entry.theme.name if entry.theme else "",
        "theme_votes": entry.theme.votes if entry.theme else "",
        "round": insight.round,
        "votes": insight.votes,
        "author": entry.author or ANONYMOUS[language],
        "organisation_type": tag_set.label("organisation_types", entry.organisation_type, language)
        if entry.organisation_type
        else "",
        "created_at": insight.created_at.isoformat(),
        "status": STATUS_LABELS[language].get(insight.status, insight.status),
    }


def rows(
    session,
    *,
    include_hidden: bool = False,
    anonymise: bool = False,
    language: str | None = None,
    filters=None,
) -> list[dict]:
    language = language or session.language
    found = entries(session, include_hidden=include_hidden, anonymise=anonymise, filters=filters)
    return [row(session, entry, language) for entry in found]
