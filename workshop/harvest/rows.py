"""One row per insight, with everything DESIGN.md section 7 names, in the session's language."""

from sqlalchemy import select

from .. import tags
from .. import tags as tag_sets
from ..errors import Invalid
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


def insights_of(session, *, include_hidden: bool = False, filters=None) -> list[Insight]:
    statuses = [InsightStatus.VISIBLE] + ([InsightStatus.HIDDEN] if include_hidden else [])
    query = (
        select(Insight)
        .where(Insight.session_id == session.id, Insight.status.in_(statuses))
        .order_by(Insight.table_id, Insight.created_at, Insight.id)
    )
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


def rows(
    session, *, include_hidden: bool = False, anonymise: bool = False, filters=None
) -> list[dict]:
    language = session.language
    tags = tag_sets.for_session(session)  # the session's own labels, if it brought a tag set
    tables = {table.id: table for table in session.tables}
    out = []
    for insight in insights_of(session, include_hidden=include_hidden, filters=filters):
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
