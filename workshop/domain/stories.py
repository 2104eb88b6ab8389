"""A table's story: the narrative published for it, saved by the facilitator or organiser, or a
draft made from what the table left behind (the host's summary, the most recognised quotes that
may be quoted, and the perspectives they cover).

Which insights may be quoted and how they are attributed is the consent module's decision
(`Insight.quotable`, `consent.attribution`); stories and the published page ask it through
`quotable_insights` and `attribution` below.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import tags
from ..extensions import db
from ..markup import escape
from ..models import Insight, Session, Story, Table
from . import consent
from .fields import text_field
from .tables import get_table

MAX_STORY_LENGTH = 20_000
DRAFT_QUOTES = 3
WORDS = {
    "nl": {
        "quotes": "Wat de tafel herkende",
        "perspectives": "Perspectieven die aan bod kwamen",
        "blind_spots": "Niet aan bod gekomen",
        "participant": "een deelnemer",
        "recognised": "{n}× herkend",
    },
    "en": {
        "quotes": "What the table recognised",
        "perspectives": "Perspectives covered",
        "blind_spots": "Not covered",
        "participant": "a participant",
        "recognised": "recognised {n}×",
    },
}


def quotable_insights(session: Session, table: Table | None = None) -> list[Insight]:
    """The insights a story, report or page may quote (`Insight.quotable`: public and not
    "room"), most recognised first."""
    query = (
        select(Insight)
        .where(Insight.session_id == session.id, Insight.quotable)
        .options(selectinload(Insight.participant))
        .order_by(Insight.votes.desc(), Insight.created_at, Insight.id)
    )
    if table is not None:
        query = query.where(Insight.table_id == table.id)
    return list(db.session.scalars(query))


def attribution(insight: Insight, language: str, tag_set=None) -> str:
    """The quote's attribution line exactly as its speaker consented (domain/consent.py)."""
    tag_set = tag_set or tags.default()
    line = consent.attribution(insight, consent.effective_consent(insight), language, tag_set)
    return line or WORDS[language]["participant"]  # None only for "room", never quoted here


def saved_story(table: Table) -> str | None:
    return table.story.text if table.story and table.story.text else None


def get_story(session: Session, table_id, language: str | None = None) -> tuple[str, bool]:
    """The table's story and whether it is a draft (nothing saved yet)."""
    table = get_table(session, table_id)
    saved = saved_story(table)
    if saved is not None:
        return saved, False
    return draft_story(session, table, language or session.language), True


def write_story(session: Session, table_id, data: dict) -> Story | None:
    """Save the story; empty text removes it, so the table is back to its draft."""
    table = get_table(session, table_id)
    text = text_field(data, "text", max_length=MAX_STORY_LENGTH, required=False) or ""
    if not text:
        table.story = None
        db.session.commit()
        return None
    story = table.story or Story(table_id=table.id)
    story.text = text
    table.story = story
    db.session.commit()
    return story


def coverage(session: Session, insights: list[Insight]) -> dict[str, int]:
    """Per perspective of the session's tag set, how many of these insights touch it."""
    keys = tags.for_session(session).keys("perspectives")
    return {key: sum(key in (i.perspectives or []) for i in insights) for key in keys}


def draft_story(session: Session, table: Table, language: str) -> str:
    """A Markdown draft from the host's summary, the top quotes and the perspectives covered."""
    language = language if language in WORDS else "nl"
    words = WORDS[language]
    tag_set = tags.for_session(session)
    insights = quotable_insights(session, table)
    out = []
    summary = table.summary.text.strip() if table.summary and table.summary.text else ""
    if summary:  # each line the host typed its own paragraph, as in the report
        out += [escape(line.strip()) for line in summary.splitlines() if line.strip()]
    quoted = [i for i in insights if i.votes >= 1][:DRAFT_QUOTES]
    if quoted:
        out.append(f"## {words['quotes']}")
        for insight in quoted:
            text = " ".join(escape(line.strip()) for line in insight.text.splitlines())
            credit = escape(attribution(insight, language, tag_set))
            recognised = words["recognised"].format(n=insight.votes)
            out.append(f"> “{text.strip()}”\n>\n> — {credit} · {recognised}")
    covered = coverage(session, insights)
    if covered and insights:  # an empty table has nothing covered to tell
        labels = {
            key: escape(tag_set.label("perspectives", key, language, short=True)) for key in covered
        }
        touched = [f"- {labels[key]} ({n})" for key, n in covered.items() if n]
        missing = [labels[key] for key, n in covered.items() if not n]
        if touched:
            out.append(f"## {words['perspectives']}\n\n" + "\n".join(touched))
        if missing:
            out.append(f"*{words['blind_spots']}: {', '.join(missing)}*")
    return "\n\n".join(out) + ("\n" if out else "")
