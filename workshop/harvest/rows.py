"""One row per insight, with every field of docs/HARVEST.md, in the session's language."""

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import tags
from ..domain import consent
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
    "organisation",
    "role",
    "place",
    "attribution",
    "quote_consent",
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
        "Organisatienaam",
        "Functie",
        "Plaats",
        "Bronvermelding",
        "Citeren",
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
        "Organisation name",
        "Role",
        "Place",
        "Attribution",
        "Quote consent",
        "Time",
        "Theme",
        "Theme votes",
        "Status",
    ),
}
ANONYMOUS = {"nl": "anoniem", "en": "anonymous"}
# The consent an exported insight was given ("room" insights are never exported).
CONSENT_LABELS = {
    "nl": {"name": "met naam", "organisation": "met organisatie", "anonymous": "anoniem"},
    "en": {"name": "with name", "organisation": "with organisation", "anonymous": "anonymous"},
}
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
    """An insight with what the harvest may say about its speaker, as consented.

    Every format reads the speaker from here, never from the participant, so nothing reaches a
    file that the consent (domain/consent.py) does not allow.
    """

    insight: Insight
    table: Table
    author: str | None  # the name, or None: not consented, anonymous post, or no name given
    organisation_type: str | None  # a key of the organisation_types tag set
    consent: str = consent.DEFAULT  # the level this insight is exported at (never "room")
    speaker: dict = field(default_factory=dict)  # name, organisation, role, place as consented

    def attribution(self, language: str, tag_set) -> str:
        """ "Tijs van Gisbergen, projectleider, gemeente Tilburg" or "een deelnemer (gemeente)"."""
        return consent.attribution(self.insight, self.consent, language, tag_set) or ""

    theme: Theme | None = None  # the theme across tables the facilitator put it in


def insights_of(session, *, include_hidden: bool = False, filters=None) -> list[Insight]:
    """Visible insights (facilitator's full export: hidden and pending too), in table and time
    order. Never a "room" insight, in any export (the consent half of `Insight.quotable`), and
    never a withdrawn one: its author took it back from every export."""
    query = (
        select(Insight)
        .where(
            Insight.session_id == session.id,
            Insight.consent_level != consent.ROOM,
            Insight.status != InsightStatus.WITHDRAWN,
        )
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
        level = consent.effective_consent(insight)
        if level == consent.ROOM:  # the query leaves them out; this keeps it so
            continue
        if anonymise:
            level = consent.stricter(level, consent.DEFAULT)
        participant = insight.participant
        shown = consent.speaker(insight, level)
        out.append(
            Entry(
                insight=insight,
                table=tables[insight.table_id],
                author=shown["name"] or None,
                organisation_type=participant.organisation_type if participant else None,
                consent=level,
                speaker=shown,
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
        "organisation": entry.speaker.get("organisation", ""),
        "role": entry.speaker.get("role", ""),
        "place": entry.speaker.get("place", ""),
        "attribution": entry.attribution(language, tag_set),
        "quote_consent": CONSENT_LABELS[language][entry.consent],
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
