"""The event report both Markdown and DOCX render: what each table discussed and learned.

Per table: its question, its saved story (else the host's summary), the three most recognised
insights (at least one vote) as quotes, the rest grouped by perspective, and per session a
perspective coverage overview.
The perspectives are the session's own tag set's (a session that brings its own set is reported in
its own terms, never against the Wijkkompas keys). An insight with several perspectives is listed
once, under the first of them in the set's order, with the others named in its details; the
coverage overview still counts it for each. Reports are for publishing, so they hold visible
insights only, whatever `include_hidden` says, and with `anonymise` no personal name at all (the
table hosts' neither).
"""

from dataclasses import dataclass, field, replace

from babel.dates import format_date

from .. import tags
from ..domain.themes import themes_of
from .rows import Entry, entries

TOP_QUOTES = 3
WORDS = {
    "nl": {
        "question": "Vraag",
        "host": "Tafelhost",
        "summary": "Samenvatting van de tafel",
        "story": "Het verhaal van de tafel",
        "no_summary": "De tafel heeft (nog) geen samenvatting geschreven.",
        "quotes": "Meest herkend",
        "by_perspective": "Inzichten per perspectief",
        "no_perspective": "Zonder perspectief",
        "all_insights": "Inzichten",
        "also": "ook: {labels}",
        "no_insights": "Aan deze tafel zijn (nog) geen inzichten gedeeld.",
        "coverage": "Perspectiefdekking",
        "coverage_note": (
            "Aantal inzichten per tafel en perspectief. Een leeg vak (–) is een blinde vlek: "
            "dat perspectief kwam aan die tafel niet aan bod."
        ),
        "blind_spots": "Niet aan bod gekomen",
        "table": "Tafel",
        "participant": "een deelnemer",
        "recognised": "{n}× herkend",
        "intro": "Inzichten: {insights} · deelnemers die iets deelden: {participants} · tafels: {tables}",
        "report": "Verslag",
        "photo": "Foto van tafel {table}",
        "themes": "Thema's over de tafels heen",
        "themes_note": (
            "De thema's die de gespreksleider over de tafels heen samenstelde, "
            "met de stemmen van de deelnemers."
        ),
        "theme_votes": "{n} stemmen",
        "theme_vote": "1 stem",
        "theme_empty": "(nog geen inzichten in dit thema)",
    },
    "en": {
        "question": "Question",
        "host": "Table host",
        "summary": "The table's summary",
        "story": "The table's story",
        "no_summary": "The table has not written a summary (yet).",
        "quotes": "Most recognised",
        "by_perspective": "Insights by perspective",
        "no_perspective": "No perspective",
        "all_insights": "Insights",
        "also": "also: {labels}",
        "no_insights": "No insights were shared at this table (yet).",
        "coverage": "Perspective coverage",
        "coverage_note": (
            "Insights per table and perspective. An empty cell (–) is a blind spot: that "
            "perspective did not come up at that table."
        ),
        "blind_spots": "Not covered",
        "table": "Table",
        "participant": "a participant",
        "recognised": "recognised {n}×",
        "intro": "Insights: {insights} · participants who shared: {participants} · tables: {tables}",
        "report": "Report",
        "photo": "Photo from table {table}",
        "themes": "Themes across tables",
        "themes_note": (
            "The themes the facilitator gathered across the tables, with the participants' votes."
        ),
        "theme_votes": "{n} votes",
        "theme_vote": "1 vote",
        "theme_empty": "(no insights in this theme yet)",
    },
}


@dataclass
class Item:
    """One insight as the report shows it."""

    text: str
    attribution: str
    kind: str
    votes: int
    recognised: str  # "3× herkend", or "" without votes
    also: str = ""  # "ook: Bewoners, Energienetwerk": its other perspectives, listed once
    photo: str | None = None  # the stored photo's name (workshop/media.py), full size in reports


@dataclass
class TableReport:
    name: str
    question: str
    host: str
    summary: str
    quotes: list[Item]
    groups: list[tuple[str, list[Item]]]  # (perspective label, items), in perspective order
    coverage: dict[str, int]  # perspective key -> insights
    count: int
    story: str = ""  # the table's saved story (Markdown): shown instead of the summary


@dataclass
class ThemeReport:
    name: str
    votes: str  # "3 stemmen"
    items: list[Item]  # with their table's name in `also`


@dataclass
class SessionReport:
    title: str
    date: str
    description: str
    intro: str
    perspectives: list[tuple[str, str, str]] = field(default_factory=list)  # the session's own
    tables: list[TableReport] = field(default_factory=list)
    themes: list[ThemeReport] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str
    language: str
    words: dict
    sessions: list[SessionReport]


def attribution(entry: Entry, language: str, tag_set) -> str:
    """The speaker as consented (domain/consent.py): "Tijs van Gisbergen, projectleider, ..."."""
    return entry.attribution(language, tag_set)


def item(entry: Entry, language: str, tag_set, also: list[str] = ()) -> Item:
    insight = entry.insight
    words = WORDS[language]
    return Item(
        text=insight.text,
        attribution=attribution(entry, language, tag_set),
        kind=tag_set.label("kinds", insight.kind, language) if insight.kind else "",
        votes=insight.votes,
        recognised=words["recognised"].format(n=insight.votes) if insight.votes else "",
        also=words["also"].format(labels=", ".join(also)) if also else "",
        photo=insight.photo,
    )


def photos(report: "Report") -> list[str]:
    """The stored names of every photo the report shows, in the order it shows them."""
    return [
        each.photo
        for session in report.sessions
        for table in session.tables
        for each in [*table.quotes, *(i for _, items in table.groups for i in items)]
        if each.photo
    ]


def table_report(table, found: list[Entry], language: str, tag_set, anonymise: bool) -> TableReport:
    words = WORDS[language]
    keys = tag_set.keys("perspectives")
    ranked = sorted(found, key=lambda e: (-e.insight.votes, e.insight.created_at, e.insight.id))
    quoted = [e for e in ranked if e.insight.votes >= 1][:TOP_QUOTES]
    quoted_ids = {e.insight.id for e in quoted}
    grouped: dict[str | None, list[Item]] = {key: [] for key in [*keys, None]}
    for entry in found:
        if entry.insight.id in quoted_ids:
            continue
        mine = [key for key in keys if key in (entry.insight.perspectives or [])]
        also = [tag_set.label("perspectives", key, language, short=True) for key in mine[1:]]
        grouped[mine[0] if mine else None].append(item(entry, language, tag_set, also))
    groups = [
        (tag_set.label("perspectives", key, language), grouped[key]) for key in keys if grouped[key]
    ]
    if grouped[None]:  # no perspective, or one the set no longer names: never left out
        groups.append((words["no_perspective"] if keys else words["all_insights"], grouped[None]))
    return TableReport(
        name=table.name,
        question=table.question,
        host="" if anonymise else table.host,
        summary=table.summary.text if table.summary else "",
        quotes=[item(e, language, tag_set) for e in quoted],
        groups=groups,
        coverage={key: sum(key in (e.insight.perspectives or []) for e in found) for key in keys},
        count=len(found),
        story=table.story.text if table.story and table.story.text else "",
    )


def session_report(session, options, language: str) -> SessionReport:
    found = entries(session, anonymise=options.anonymise, filters=options.filters)
    authors = {e.insight.participant_id for e in found if e.insight.participant_id}
    tag_set = tags.for_session(session)
    report = SessionReport(
        title=session.title,
        date=format_date(session.created_at.date(), format="long", locale=language),
        description=session.description,
        intro=WORDS[language]["intro"].format(
            insights=len(found), participants=len(authors), tables=len(session.tables)
        ),
        perspectives=[
            (p["key"], p["label"], p["short"]) for p in tag_set.labels("perspectives", language)
        ],
    )
    for table in session.tables:
        mine = [e for e in found if e.table.id == table.id]
        report.tables.append(table_report(table, mine, language, tag_set, options.anonymise))
    report.themes = theme_reports(session, found, language, tag_set)
    return report


def theme_reports(session, found: list[Entry], language: str, tag_set) -> list[ThemeReport]:
    """Each theme with its reported insights, most recognised first, and its votes."""
    words = WORDS[language]
    by_id = {entry.insight.id: entry for entry in found}
    out = []
    for summary in themes_of(session, public=True):
        items = []
        for insight in summary.insights:
            entry = by_id.get(insight.id)
            if entry is not None:
                items.append(replace(item(entry, language, tag_set), also=entry.table.name))
        votes = words["theme_vote"] if summary.votes == 1 else words["theme_votes"]
        out.append(ThemeReport(summary.name, votes.format(n=summary.votes), items))
    return out


def build(sessions, options) -> Report:
    language = options.language_of(sessions)
    session_reports = [session_report(s, options, language) for s in sessions]
    events = {s.event.name for s in sessions if s.event}
    if len(session_reports) == 1:
        title, subtitle = session_reports[0].title, session_reports[0].date
        if events:
            subtitle = f"{next(iter(events))} · {subtitle}"
    else:
        title = next(iter(events)) if len(events) == 1 else WORDS[language]["report"]
        dates = sorted(
            {(s.created_at.date(), r.date) for s, r in zip(sessions, session_reports, strict=True)}
        )
        subtitle = " – ".join(dict.fromkeys([dates[0][1], dates[-1][1]])) if dates else ""
    return Report(
        title=title,
        subtitle=subtitle,
        language=language,
        words=WORDS[language],
        sessions=session_reports,
    )
