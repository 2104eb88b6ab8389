"""Counts that the perspective compass, the table mix and the word cloud draw (public: visible only)."""

import re
from collections import Counter
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from . import tags
from .domain import queries
from .models import Session

TOP = 10  # the most recognised insights, ranked
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
TERM_WORDS = 2  # "collectieve inkoop", "gespikkeld bezit": terms of up to two words


@cache
def stop_words() -> frozenset:
    """Dutch and English stop words: stopwords-iso and YAKE's lists, plus the filler they miss."""
    import stopwordsiso  # on first use: YAKE brings numpy, which a server without stats never needs

    yake_lists = resources.files("yake") / "core" / "StopwordsList"
    maintained = set(stopwordsiso.stopwords(["nl", "en"]))
    for language in ("nl", "en"):
        text = (yake_lists / f"stopwords_{language}.txt").read_text(
            encoding="utf-8", errors="ignore"
        )
        maintained.update(text.split())
    extra = (Path(__file__).parent / "data" / "stopwords.txt").read_text(encoding="utf-8")
    lines = (line for line in extra.splitlines() if not line.startswith("#"))
    return frozenset(w.lower() for w in maintained) | {w for line in lines for w in line.split()}


def keyword(term: str) -> bool:
    """A term worth a place in the cloud: words of three letters or more, none a stop word."""
    parts = term.split()
    return all(WORD.fullmatch(part) and part.lower() not in stop_words() for part in parts)


@lru_cache(maxsize=256)
def _words(texts: tuple, language: str, limit: int) -> tuple:
    if not texts:
        return ()
    import yake  # on first use, like the export libraries: it loads numpy

    extractor = yake.KeywordExtractor(
        lan=language, n=TERM_WORDS, top=limit * 4, stopwords=set(stop_words())
    )
    candidates = [term for term, _score in extractor.extract_keywords("\n".join(texts))]
    candidates = [term for term in candidates if keyword(term)]
    # How often each term occurs, in what spelling: "VvE" and "Amsterdam" keep their capitals.
    counts, spellings = Counter(), {}
    for term in candidates:
        pattern = re.compile(
            r"(?<!\w)" + r"\s+".join(map(re.escape, term.split())) + r"(?!\w)", re.I
        )
        found = [match.group(0) for text in texts for match in pattern.finditer(text)]
        key = term.lower()
        if found and key not in counts:
            counts[key] = len(found)
            seen = Counter(" ".join(f.split()) for f in found)
            # The most used spelling; on a tie the one with fewest capitals (not a sentence start).
            spellings[key] = min(seen, key=lambda s: (-seen[s], sum(c.isupper() for c in s)))
    # A two-word term said once is chance; a word said only inside a kept term adds nothing.
    terms = {key: n for key, n in counts.items() if " " not in key or n >= 2}
    for key in [k for k in terms if " " not in k]:
        if any(
            n >= terms[key] for other, n in terms.items() if " " in other and key in other.split()
        ):
            del terms[key]
    ranked = sorted(terms, key=lambda key: -terms[key])  # stable: YAKE's order breaks ties
    return tuple((spellings[key], terms[key]) for key in ranked[:limit])


def words(texts, limit: int = 60, language: str = "nl") -> list[list]:
    """Key terms of the texts, most frequent first: [[term, n], ...] (YAKE keyword extraction).

    Terms of one or two words, stop words left out, in the spelling people used. Cached on the
    texts: walls ask for /stats often and the texts rarely change between two asks.
    """
    return [list(pair) for pair in _words(tuple(texts), language, limit)]


def session_stats(session: Session) -> dict:
    """Counts per table (kinds, perspectives, the organisation types seated there), words, top list."""
    tag_set = tags.for_session(session)
    kinds, perspectives = tag_set.keys("kinds"), tag_set.keys("perspectives")
    insights = queries.public_insights(session)
    seated = queries.seated(session)
    participants = queries.participant_count(session)
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
                "words": words((i.text for i in mine), 30, session.language),
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
        "words": words((i.text for i in insights), 60, session.language),
    }
