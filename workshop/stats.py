"""Counts that the perspective compass, the table mix and the word cloud draw (public: visible only)."""

import re
from collections import Counter
from functools import cache
from pathlib import Path

from sqlalchemy import func, select

from . import tags
from .extensions import db
from .models import Insight, InsightStatus, Participant, Session

WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


@cache
def stop_words() -> frozenset:
    text = (Path(__file__).parent / "data" / "stopwords.txt").read_text(encoding="utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(word for line in lines for word in line.split())


def words(texts, limit: int = 60) -> list[list]:
    counter = Counter(
        word
        for text in texts
        for word in (match.lower() for match in WORD.findall(text))
        if word not in stop_words()
    )
    return [[word, n] for word, n in counter.most_common(limit)]


def session_stats(session: Session) -> dict:
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
                "kinds": {k: sum(i.kind == k for i in mine) for k in tags.keys("kinds")},
                "perspectives": {
                    p: sum(p in (i.perspectives or []) for i in mine)
                    for p in tags.keys("perspectives")
                },
                "organisation_types": {
                    (org or "unknown"): n for table_id, org, n in seated if table_id == table.id
                },
                "words": words(i.text for i in mine)[:30],
            }
        )
    return {
        "insights": len(insights),
        "participants": participants,
        "tables": tables,
        "words": words(i.text for i in insights),
    }
