"""Full-text search over insights, in the database: SQLite FTS5, or PostgreSQL text search.

SQLite (the embedded default): FTS5's own stemmer (porter) knows only English, so the table
`insight_fts` holds a STEMMED copy of each insight's text, made here with the Snowball stemmer of
the session's language (Dutch or English), in the column of that language; a query is stemmed
the same way and matched against that column ("bewoner" and "bewoners" both become "bewoner",
"financiering" and "financieren" both "financier"). The copy is written in the same transaction
as the text (mapper events below: a post, an edit, a restore), so it cannot drift from it; a
trigger made by migration 0009 deletes it with its insight (also on erasure's bulk deletes and
foreign-key cascades).

PostgreSQL: nothing is copied. Migration 0009 makes GIN indexes on `to_tsvector('dutch', text)`
and `to_tsvector('english', text)`; the query asks the index of each session's language through
`plainto_tsquery`, which reads any text as plain words (no operator of the query language).

Either way only the words are indexed. Whether an insight may be found at all (public, quotable,
its session published and listed) is decided live by the library's WHERE (domain/library.py).
"""

import re
import threading
from functools import cache, lru_cache

import snowballstemmer
from sqlalchemy import column, event, inspect, literal_column, select, text, union_all
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import Select

from ..extensions import db
from ..models import Insight, Session

FTS_TABLE = "insight_fts"
LANGUAGES = {"nl": "dutch", "en": "english"}  # Snowball stemmer and PostgreSQL config per language
WORD = re.compile(r"[^\W_]+")  # what FTS5's unicode61 tokenizer calls a token
MAX_QUERY_WORDS = 16


def language_of(code: str | None) -> str:
    return code if code in LANGUAGES else "nl"


def words(value: str) -> list[str]:
    return WORD.findall(value.casefold())


STEMMERS = threading.local()  # a Snowball stemmer keeps state between calls: one per thread


def stemmer(language: str):
    language = language_of(language)
    if not hasattr(STEMMERS, language):
        setattr(STEMMERS, language, snowballstemmer.stemmer(LANGUAGES[language]))
    return getattr(STEMMERS, language)


@lru_cache(maxsize=100_000)
def stem_word(word: str, language: str) -> str:
    """One word's stem; kept, since a few thousand words make up most of what people write."""
    return stemmer(language).stemWord(word)


def stem(value: str, language: str) -> list[str]:
    """The words of `value`, each reduced to its stem by the language's Snowball stemmer."""
    language = language_of(language)
    return [stem_word(word, language) for word in words(value)]


@cache
def stop_words(language: str) -> frozenset:
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords(language_of(language)))


def query_stems(query: str, language: str) -> list[str]:
    """The stems a query asks for: its words without stop words (unless only those were typed),
    at most MAX_QUERY_WORDS of them, each once."""
    found = words(query)
    meaningful = [word for word in found if word not in stop_words(language)] or found
    stems = [stem_word(word, language_of(language)) for word in meaningful]
    return list(dict.fromkeys(stems))[:MAX_QUERY_WORDS]


def is_sqlite(connection=None) -> bool:
    return (connection or db.session.connection()).dialect.name == "sqlite"


def fts5_match(query: str) -> str | None:
    """An FTS5 MATCH expression: every stem of the query, as a quoted string (never an operator),
    in the column of each language. None when the query has no word at all."""
    branches = []
    for language in LANGUAGES:
        stems = query_stems(query, language)
        if stems:
            terms = " AND ".join(f'{language} : "{stem}"' for stem in stems)
            branches.append(f"({terms})")
    return " OR ".join(branches) or None


def matching_ids(query: str) -> Select | None:
    """The ids of insights whose text matches `query` in their session's language (any state:
    the caller decides what may be shown). None when the query holds no word to search for."""
    if not words(query):
        return None
    if is_sqlite():
        match = fts5_match(query)
        return (
            select(literal_column("rowid").label("id"))
            .select_from(text(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts_match").bindparams(fts_match=match))
        )
    branches = []
    for language, config in LANGUAGES.items():
        # Written exactly as the index expression and asked on its own (MATERIALIZED), so
        # PostgreSQL answers it from the GIN index rather than joining the few sessions of a
        # language first and computing to_tsvector for each of their insights (in the
        # benchmark: 230 ms for the 25 English sessions).
        matched = (
            select(Insight.id, Insight.session_id)
            .where(
                text(
                    f"to_tsvector('{config}', insight.text) "
                    f"@@ plainto_tsquery('{config}', :q_{language})"
                ).bindparams(**{f"q_{language}": query})
            )
            .cte(f"matched_{config}")
            .prefix_with("MATERIALIZED")
        )
        in_language = Session.language == "en" if language == "en" else Session.language != "en"
        branches.append(
            select(matched.c.id)
            .join(Session, Session.id == matched.c.session_id)
            .where(in_language)
        )
    return select(column("id")).select_from(union_all(*branches).subquery())


# --- keeping the SQLite copy up to date ------------------------------------------------------------


def write_copy(connection, insight_id: int, value: str, language: str, new: bool = False) -> None:
    language = language_of(language)
    copies = {code: "" for code in LANGUAGES}
    copies[language] = " ".join(stem(value or "", language))
    if not new:
        connection.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": insight_id})
    connection.execute(
        text(f"INSERT INTO {FTS_TABLE} (rowid, nl, en) VALUES (:id, :nl, :en)"),
        {"id": insight_id, **copies},
    )


def session_language(connection, insight: Insight) -> str:
    """The language of the insight's session: from the ORM session's identity map when the
    session row is loaded there (a post has it), so posting reads nothing back after its INSERT."""
    state = inspect(insight)
    loaded = state.session.identity_map.get(identity_key(Session, insight.session_id))
    if loaded is not None:
        return language_of(loaded.language)
    found = connection.execute(
        select(Session.language).where(Session.id == insight.session_id)
    ).scalar()
    return language_of(found)


@event.listens_for(Insight, "after_insert")
def copy_new(_mapper, connection, insight: Insight) -> None:
    if is_sqlite(connection):
        language = session_language(connection, insight)
        write_copy(connection, insight.id, insight.text, language, new=True)


@event.listens_for(Insight, "after_update")
def copy_edited(_mapper, connection, insight: Insight) -> None:
    if is_sqlite(connection) and inspect(insight).attrs.text.history.has_changes():
        language = session_language(connection, insight)
        write_copy(connection, insight.id, insight.text, language)


def rebuild(connection=None) -> int:
    """Write the SQLite copy of every insight again (after a bulk insert that bypassed the ORM,
    as bench/library_search.py makes); answer how many. Nothing to do on PostgreSQL."""
    connection = connection or db.session.connection()
    if not is_sqlite(connection):
        return 0
    rows = connection.execute(
        select(Insight.id, Insight.text, Session.language).join(
            Session, Session.id == Insight.session_id
        )
    ).all()
    connection.execute(text(f"DELETE FROM {FTS_TABLE}"))
    batch = []
    for insight_id, value, language in rows:
        language = language_of(language)
        copies = {code: "" for code in LANGUAGES}
        copies[language] = " ".join(stem(value or "", language))
        batch.append({"id": insight_id, **copies})
    if batch:
        connection.execute(
            text(f"INSERT INTO {FTS_TABLE} (rowid, nl, en) VALUES (:id, :nl, :en)"), batch
        )
    return len(batch)
