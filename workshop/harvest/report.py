"""The event report both Markdown and DOCX render: what each table discussed and learned.

Per table: its question, the host's summary, the three most recognised insights (at least one
vote) as quotes, the rest grouped by perspective (an insight with several perspectives under
each), and per session a perspective coverage overview. Reports are for publishing, so they hold
visible insights only, whatever `include_hidden` says.
"""

from dataclasses import dataclass, field

from babel.dates import format_date

from .. import tags
from .rows import Entry, entries

TOP_QUOTES = 3
WORDS = {
    "nl": {
        "question": "Vraag",
        "host": "Tafelhost",
        "summary": "Samenvatting van de tafel",
        "no_summary": "De tafel heeft (nog) geen samenvatting geschreven.",
        "quotes": "Meest herkend",
        "by_perspective": "Inzichten per perspectief",
        "no_perspective": "Zonder perspectief",
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
    },
    "en": {
        "question": "Question",
        "host": "Table host",
        "summary": "The table's summary",
        "no_summary": "The table has not written a summary (yet).",
        "quotes": "Most recognised",
        "by_perspective": "Insights by perspective",
        "no_perspective": "No perspective",
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


@dataclass
class SessionReport:
    title: str
    date: str
    description: str
    intro: str
    tables: list[TableReport] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str
    language: str
    words: dict
    sessions: list[SessionReport]
    perspectives: list[tuple[str, str, str]]  # (key, label, short label)


def attribution(entry: Entry, language: str) -> str:
    who = entry.author or WORDS[language]["participant"]
    if entry.organisation_type:
        return f"{who}, {tags.label('organisation_types', entry.organisation_type, language)}"
    return who


def item(entry: Entry, language: str) -> Item:
    insight = entry.insight
    return Item(
        text=insight.text,
        attribution=attribution(entry, language),
        kind=tags.label("kinds", insight.kind, language) if insight.kind else "",
        votes=insight.votes,
        recognised=WORDS[language]["recognised"].format(n=insight.votes) if insight.votes else "",
    )


def table_report(table, found: list[Entry], language: str) -> TableReport:
    words = WORDS[language]
    ranked = sorted(found, key=lambda e: (-e.insight.votes, e.insight.created_at, e.insight.id))
    quoted = [e for e in ranked if e.insight.votes >= 1][:TOP_QUOTES]
    quoted_ids = {e.insight.id for e in quoted}
    rest = [e for e in found if e.insight.id not in quoted_ids]
    groups = []
    for key in tags.keys("perspectives"):
        under = [item(e, language) for e in rest if key in (e.insight.perspectives or [])]
        if under:
            groups.append((tags.label("perspectives", key, language), under))
    without = [item(e, language) for e in rest if not e.insight.perspectives]
    if without:
        groups.append((words["no_perspective"], without))
    return TableReport(
        name=table.name,
        question=table.question,
        host=table.host,
        summary=table.summary.text if table.summary else "",
        quotes=[item(e, language) for e in quoted],
        groups=groups,
        coverage={
            key: sum(key in (e.insight.perspectives or []) for e in found)
            for key in tags.keys("perspectives")
        },
        count=len(found),
    )


def session_report(session, options, language: str) -> SessionReport:
    found = entries(session, anonymise=options.anonymise, filters=options.filters)
    authors = {e.insight.participant_id for e in found if e.insight.participant_id}
    report = SessionReport(
        title=session.title,
        date=format_date(session.created_at.date(), format="long", locale=language),
        description=session.description,
        intro=WORDS[language]["intro"].format(
            insights=len(found), participants=len(authors), tables=len(session.tables)
        ),
    )
    for table in session.tables:
        mine = [e for e in found if e.table.id == table.id]
        report.tables.append(table_report(table, mine, language))
    return report


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
        perspectives=[
            (p["key"], p["label"], p["short"]) for p in tags.labels("perspectives", language)
        ],
    )
