"""Counts that the perspective compass, the table mix and the word cloud draw (public: visible only)."""

import re
from collections import Counter
from functools import cache
from pathlib import Path

from sqlalchemy import func, select

from . import tags
from .extensions import db
from .models import Insight, InsightStatus, Participant, Session

TOP = 10  # the most recognised insights, ranked
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


@cache
def stop_words() -> frozenset:
    """Dutch and English stop words from data/stopwords.txt (# starts a comment line)."""
    text = (Path(__file__).parent / "data" / "stopwords.txt").read_text(encoding="utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(word for line in lines for word in line.split())


def words(texts, limit: int = 60) -> list[list]:
    """The most frequent words of the texts, stop words (Dutch and English) left out."""
    counter = Counter(
        word
        for text in texts
        for word in (match.lower() for match in WORD.findall(text))
        if word not in stop_words()
    )
    return [[word, n] for word, n in counter.most_common(limit)]


def session_stats(session: Session) -> dict:
    """Counts per table (kinds, perspectives, the organisation types seated there), words, top list."""
    tag_set = tags.for_session(session)
    kinds, perspectives = tag_set.keys("kinds"), tag_set.keys("perspectives")
    insights = db.session.scalars(
        select(Insight).where(
            Insight.session_id == session.id,
            Insight.status == InsightStatus.VISIBLE,
            Insight.withheld.is_(False),
        )
    ).all()
    seated = db.session.execute(
        select(Participant.table_id, Participant.organisation_type, func.count())
        .where(Participant.session_id == session.id, Participant.table_id.is_not(None))
        .group_by(Participant.table_id, Participant.organisation_type)
    ).all()
    participants = db.session.scalar(
        select(func.count()).select_from(Participant).filter_by(session_id=session.id)
    )
    tables = []
    for table in session.tables:
        mine = [i for i in insights if i.table_id == table.id]
        tables.append(
            {
                "id": table.id,
                "name": table.name,
                "insights": len(mine),
                "votes": sum(i.votes for i in mine),
                "kinds": {k: sum(i.kind == k for i in mine) for k in kinds},
                "perspectives": {
                    p: sum(p in (i.perspectives or []) for i in mine) for p in perspectives
                },
                "organisation_types": {
                    (org or "unknown"): n for table_id, org, n in seated if table_id == table.id
                },
                "words": words(i.text for i in mine)[:30],
            }
        )
    organisation_types = Counter()
    for _table_id, org, n in seated:
        organisation_types[org or "unknown"] += n
    top = sorted((i for i in insights if i.votes), key=lambda i: (-i.votes, i.id))[:TOP]
    return {
        "insights": len(insights),
        "participants": participants,
        "kinds": {k: sum(i.kind == k for i in insights) for k in kinds},
        "perspectives": {
            p: sum(p in (i.perspectives or []) for i in insights) for p in perspectives
        },
        "organisation_types": dict(organisation_types),
        "tables": tables,
        "top": [
            {"id": i.id, "table_id": i.table_id, "text": i.text, "votes": i.votes} for i in top
        ],
        "words": words(i.text for i in insights),
    }
