"""library: full-text search over insights (SQLite FTS5 table / PostgreSQL GIN indexes)

SQLite: `insight_fts`, an FTS5 table holding a Snowball-stemmed copy of each insight's text in
the column of its session's language (workshop/domain/fulltext.py keeps it up to date), filled
here for the insights already stored, and a trigger that deletes the copy with its insight. A
later migration that recreates `insight` in batch mode drops that trigger with the old table and
must create it again (tests/test_library.py checks that erasing a session empties the copy).

PostgreSQL: GIN indexes on `to_tsvector('dutch', text)` and `to_tsvector('english', text)`; the
library query uses the one of each session's language.

Both: an index on insight.created_at, the library's order (newest first), and one that covers
what the library's facet counts read of an insight (its session, status, consent, author, kind
and phase), so counting 100,000 insights reads the index, not the rows with their text.

Revision ID: 0009_library
Revises: 0008_themes
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0009_library"
down_revision = "0008_themes"
branch_labels = None
depends_on = None

STEMMERS = {"nl": "dutch", "en": "english"}
WORD = re.compile(r"[^\W_]+")
LIBRARY_COLUMNS = [
    *("session_id", "status", "withheld", "quote_consent", "participant_id", "kind", "phase"),
    "created_at",
]


def fill_sqlite(connection) -> None:
    """The stemmed copy of the insights stored before this migration (same rule as the app's)."""
    import snowballstemmer

    stemmers = {code: snowballstemmer.stemmer(name) for code, name in STEMMERS.items()}
    rows = connection.execute(
        sa.text(
            "SELECT insight.id, insight.text, session.language FROM insight "
            "JOIN session ON session.id = insight.session_id"
        )
    ).all()
    batch = []
    for insight_id, value, language in rows:
        language = language if language in STEMMERS else "nl"
        copies = {code: "" for code in STEMMERS}
        copies[language] = " ".join(
            stemmers[language].stemWords(WORD.findall((value or "").casefold()))
        )
        batch.append({"id": insight_id, **copies})
    if batch:
        connection.execute(
            sa.text("INSERT INTO insight_fts (rowid, nl, en) VALUES (:id, :nl, :en)"), batch
        )


def upgrade():
    op.create_index("ix_insight_created_at", "insight", ["created_at"])
    op.create_index("ix_insight_library", "insight", LIBRARY_COLUMNS)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE insight_fts USING fts5("
            "nl, en, tokenize = 'unicode61 remove_diacritics 2', detail = column)"
        )
        op.execute(
            "CREATE TRIGGER insight_fts_forget AFTER DELETE ON insight "
            "BEGIN DELETE FROM insight_fts WHERE rowid = old.id; END"
        )
        fill_sqlite(op.get_bind())
    elif dialect == "postgresql":
        for config in STEMMERS.values():
            op.execute(
                f"CREATE INDEX ix_insight_text_{config} ON insight "
                f"USING gin (to_tsvector('{config}', text))"
            )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS insight_fts_forget")
        op.execute("DROP TABLE IF EXISTS insight_fts")
    elif dialect == "postgresql":
        for config in STEMMERS.values():
            op.execute(f"DROP INDEX IF EXISTS ix_insight_text_{config}")
    op.drop_index("ix_insight_library", table_name="insight")
    op.drop_index("ix_insight_created_at", table_name="insight")
