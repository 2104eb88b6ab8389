"""The library of practice stories: every quotable insight of every published, listed session.

What may be found is decided live, by the WHERE of each query, not by an index kept for it:
the insight is quotable (`Insight.quotable`: public, so neither pending, hidden nor withdrawn,
and not kept to the room) and its session is published and listed, or published inside an
event that is published and listed (the event's page shows it). Hiding, withdrawing or
unpublishing therefore takes an insight out of the library in the same commit, and there is no
second copy of those rules that could drift from the published page. The full-text index holds
only the words (domain/fulltext.py); the filters narrow its matches with the same WHERE.

Facets count per value the results of the query and every OTHER filter: a chosen kind still
shows how many results each other kind would give. Results are newest first.
"""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func, literal, or_, select, text, true
from sqlalchemy.orm import aliased, selectinload

from .. import inputs, links, tags
from ..errors import N_, Invalid
from ..extensions import db
from ..models import Event, Insight, Participant, QuoteConsent, Session, Table
from . import fulltext
from .publication import published_sessions
from .stories import attribution

PAGE_SIZE = 20
MAX_PAGE = 500  # 10,000 results deep (the message below says 500); narrow the query for more
MAX_QUERY_LENGTH = 200  # characters (the message below says 200); longer: 422, not cut short
MAX_FILTER_LENGTH = 120
FACETS = ("perspective", "phase", "kind", "organisation_type", "place", "event")
TAG_KINDS = {
    "perspective": "perspectives",
    "phase": "phases",
    "kind": "kinds",
    "organisation_type": "organisation_types",
}
PLACE_LEVELS = (QuoteConsent.NAME.value, QuoteConsent.ORGANISATION.value)
# The author, joined under its own name: `Insight.consent_level` asks Participant in a subquery
# of its own, which must not correlate with this join.
Author = aliased(Participant, name="author")


@dataclass
class Query:
    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    page: int = 1


def unstorable(value: str) -> str:
    """Without NUL and lone surrogates: no text holds them (PostgreSQL refuses NUL outright)."""
    return inputs.UNSTORABLE.sub("", value)


def parse(args) -> Query:
    """A library query from request arguments; 422 for a page or query it cannot answer.

    An unknown filter value is not an error: no insight has it, so the answer is empty.
    """
    q = unstorable(args.get("q") or "")
    if len(q) > MAX_QUERY_LENGTH:
        raise Invalid(
            N_("The search text is too long: use at most 200 characters."),
            code="query_too_long",
            field="q",
            max_length=MAX_QUERY_LENGTH,
        )
    filters = {}
    for name in FACETS:
        value = unstorable(args.get(name) or "").strip()
        if not value:
            continue
        if len(value) > MAX_FILTER_LENGTH:
            raise Invalid(N_("A filter value is too long."), field=name)
        if name == "event" and not (value.isascii() and value.isdigit() and len(value) < 10):
            raise Invalid(N_("The event filter must be an event number."), field="event")
        filters[name] = value
    raw_page = (args.get("page") or "1").strip()
    digits = raw_page.isascii() and raw_page.isdigit() and len(raw_page) <= 6
    if not digits or not 1 <= int(raw_page) <= MAX_PAGE:
        raise Invalid(
            N_("The page must be a number from 1 to 500."), field="page", max_page=MAX_PAGE
        )
    return Query(q=q.strip(), filters=filters, page=int(raw_page))


# --- the WHERE ----------------------------------------------------------------------------------


def place_shown():
    """The speaker's place where its consent lets a document show it ("name", "organisation")."""
    return case(
        (Insight.consent_level.in_(PLACE_LEVELS), func.nullif(func.trim(Author.place), "")),
        else_=None,
    )


def perspective_values():
    if fulltext.is_sqlite():
        return func.json_each(Insight.perspectives).table_valued("value")
    return func.json_array_elements_text(Insight.perspectives).table_valued("value")


AUTHOR_FACETS = ("organisation_type", "place")  # the ones that need the author joined


def facet_condition(name: str, value: str):
    if name == "perspective":
        values = perspective_values()
        return exists(select(literal(1)).select_from(values).where(values.c.value == value))
    if name == "event":
        return Insight.session_id.in_(select(Session.id).where(Session.event_id == int(value)))
    column = {
        "phase": Insight.phase,
        "kind": Insight.kind,
        "organisation_type": Author.organisation_type,
        "place": place_shown(),
    }[name]
    return column == value


def library_sessions():
    """The sessions whose insights the library holds: published, and listed themselves or in a
    published, listed event. A few hundred ids, found once per query instead of per insight."""
    return (
        select(Session.id)
        .outerjoin(Event, Event.id == Session.event_id)
        .where(
            Session.publication_slug.is_not(None),
            or_(
                Session.publication_listed.is_(True),
                and_(Event.publication_slug.is_not(None), Event.publication_listed.is_(True)),
            ),
        )
    )


def base(
    query: Query,
    columns,
    skip: str | None = None,
    author: bool = False,
    each=None,
    by_date: bool = False,
):
    """SELECT `columns` of the library's insights matching the query and its filters (but the
    filter named `skip`); `author` joins the author for its columns. None when the query
    cannot match anything. `each`: a table function of the insight to join (its perspectives).

    `by_date` (a page of results, newest first): `session_id + 0` and `id + 0` keep SQLite from
    starting at the session list or the full-text matches and sorting all of them; it walks the
    created_at index from the newest and stops after one page (100,000 insights: 200 -> 5 ms).
    Only for SQLite: PostgreSQL sorts the matches itself faster than it would walk that index.
    """
    session_id = Insight.session_id + 0 if by_date else Insight.session_id
    insight_id = Insight.id + 0 if by_date else Insight.id
    filters = {name: value for name, value in query.filters.items() if name != skip}
    statement = select(*columns).select_from(Insight)
    if each is not None:
        statement = statement.join(each, true())
    if author or set(filters) & set(AUTHOR_FACETS):
        statement = statement.outerjoin(Author, Author.id == Insight.participant_id)
    statement = statement.where(session_id.in_(library_sessions()), Insight.quotable)
    if query.q:
        ids = fulltext.matching_ids(query.q)
        if ids is None:
            return None
        statement = statement.where(insight_id.in_(ids))
    for name, value in filters.items():
        statement = statement.where(facet_condition(name, value))
    return statement


# --- facets -------------------------------------------------------------------------------------


def grouped(query: Query, columns, skip: str | None = None, author: bool = False) -> list:
    """(*columns, count) per distinct value of `columns`."""
    labelled_columns = [c.label(f"c{n}") for n, c in enumerate(columns)]
    statement = base(query, [*labelled_columns, func.count()], skip, author)
    if statement is None:
        return []
    return list(db.session.execute(statement.group_by(*labelled_columns)).all())


def insight_facets(query: Query, skip: str | None = None) -> tuple[int, dict[str, Counter]]:
    """One scan: the total, kinds, phases and events (through the sessions)."""
    rows = grouped(query, (Insight.kind, Insight.phase, Insight.session_id), skip)
    events = {}
    sessions = {row[2] for row in rows}
    if sessions:
        events = dict(
            db.session.execute(
                select(Session.id, Session.event_id).where(Session.id.in_(sessions))
            ).all()
        )
    counts = {name: Counter() for name in ("kind", "phase", "event")}
    for kind, phase, session_id, n in rows:
        for name, value in (("kind", kind), ("phase", phase), ("event", events.get(session_id))):
            if value is not None and value != "":
                counts[name][value] += n
    return sum(row[-1] for row in rows), counts


def perspective_facet(query: Query, skip: str | None = None) -> dict[str, Counter]:
    values = perspective_values()
    statement = base(query, [values.c.value, func.count()], skip, each=values)
    if statement is None:
        return {"perspective": Counter()}
    rows = db.session.execute(statement.group_by(values.c.value))
    return {"perspective": Counter({value: n for value, n in rows if value})}


def author_facets(query: Query, skip: str | None = None) -> dict[str, Counter]:
    rows = grouped(query, (Author.organisation_type, place_shown()), skip, author=True)
    counts = {name: Counter() for name in AUTHOR_FACETS}
    for organisation_type, place, n in rows:
        if organisation_type:
            counts["organisation_type"][organisation_type] += n
        if place:
            counts["place"][place] += n
    return counts


def facet_counts(query: Query) -> tuple[int, dict[str, Counter]]:
    """The number of results, and per facet its counts without that facet's own filter: three
    grouped scans, and one more for each filter in use."""
    total, counts = insight_facets(query)
    counts |= perspective_facet(query) | author_facets(query)
    for name in query.filters:
        if name in ("kind", "phase", "event"):
            counts[name] = insight_facets(query, skip=name)[1][name]
        elif name == "perspective":
            counts[name] = perspective_facet(query, skip=name)[name]
        else:
            counts[name] = author_facets(query, skip=name)[name]
    return total, counts


def labelled(counts: dict[str, Counter], language: str) -> dict[str, list[dict]]:
    tag_set = tags.default()
    events = {}
    if counts["event"]:
        events = dict(
            db.session.execute(
                select(Event.id, Event.name).where(Event.id.in_(list(counts["event"])))
            ).all()
        )
    out = {}
    for name in FACETS:
        items = []
        for value, n in counts[name].items():
            if name == "event":
                label = events.get(value, str(value))
            elif name in TAG_KINDS:
                label = tag_set.label(TAG_KINDS[name], value, language)
            else:
                label = value
            items.append({"value": str(value), "label": label, "count": n})
        if name in TAG_KINDS:  # the tag set's own order
            order = {key: i for i, key in enumerate(tag_set.keys(TAG_KINDS[name]))}
            items.sort(key=lambda item: (order.get(item["value"], len(order)), item["label"]))
        else:
            items.sort(key=lambda item: (-item["count"], item["label"].casefold()))
        out[name] = items
    return out


# --- results ------------------------------------------------------------------------------------


def published_url(session: Session, table: Table) -> str:
    """The published page that shows this insight, at its table: the session's own page when it
    is listed, else the listed event page that holds it."""
    position = next((n for n, t in enumerate(session.tables, 1) if t.id == table.id), 1)
    if session.publication_listed or session.event is None:
        return links.public_url(f"/p/{session.publication_slug}#table-{position}")
    index = next(
        (n for n, s in enumerate(published_sessions(session.event), 1) if s.id == session.id), 1
    )
    return links.public_url(f"/p/{session.event.publication_slug}#s{index}-table-{position}")


def result(insight: Insight, language: str) -> dict:
    session = insight.table.session
    tag_set = tags.for_session(session)
    shown_place = ""
    if insight.consent_level in PLACE_LEVELS and insight.participant is not None:
        shown_place = (insight.participant.place or "").strip()
    return {
        "text": insight.text,
        "kind": insight.kind,
        "perspectives": list(insight.perspectives or []),
        "phase": insight.phase,
        "attribution": attribution(insight, language, tag_set),
        "place": shown_place or None,
        "table": insight.table.name,
        "session": session.title,
        "event": session.event.name if session.event else None,
        "published_url": published_url(session, insight.table),
        "created_at": insight.created_at.isoformat(),
        "language": session.language,
        "labels": {  # the session's own tag set's words for the keys above, in `language`
            "kind": tag_set.label("kinds", insight.kind, language) if insight.kind else None,
            "perspectives": [
                tag_set.label("perspectives", key, language) for key in insight.perspectives or []
            ],
            "phase": tag_set.label("phases", insight.phase, language) if insight.phase else None,
        },
    }


def newest(query: Query, limit: int, offset: int = 0) -> list[Insight]:
    statement = base(query, [Insight], by_date=fulltext.is_sqlite())
    if statement is None:
        return []
    statement = (
        statement.order_by(Insight.created_at.desc(), Insight.id.desc())
        .limit(limit)
        .offset(offset)
        .options(
            selectinload(Insight.participant),
            selectinload(Insight.table).selectinload(Table.session).selectinload(Session.event),
        )
    )
    return list(db.session.scalars(statement))


def no_jit() -> None:
    """PostgreSQL compiles a query to machine code (JIT) when its estimated cost is high, as a
    scan of every insight's consent is; for these counts compiling took longer than running
    (150 of 260 ms a query at 100,000 insights). Off for this transaction only."""
    if not fulltext.is_sqlite():
        db.session.execute(text("SET LOCAL jit = off"))


def search(query: Query, language: str = "nl") -> dict:
    """One page of the library: {"total", "page", "pages", "results", "facets"}."""
    language = fulltext.language_of(language)
    no_jit()
    total, counts = facet_counts(query)
    insights = newest(query, PAGE_SIZE, (query.page - 1) * PAGE_SIZE) if total else []
    return {
        "total": total,
        "page": query.page,
        "page_size": PAGE_SIZE,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "results": [result(insight, language) for insight in insights],
        "facets": labelled(counts, language),
    }


def feed_items(query: Query, language: str = "nl", limit: int = 30) -> list[tuple[Insight, dict]]:
    """The newest insights of the library (for the Atom feed), each with its result."""
    language = fulltext.language_of(language)
    no_jit()
    return [(insight, result(insight, language)) for insight in newest(query, limit)]
