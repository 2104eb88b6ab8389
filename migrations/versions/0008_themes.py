"""themes across tables: named themes, an insight's theme, and the participants' votes on themes

Revision ID: 0008_themes
Revises: 0007_publication
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_themes"
down_revision = "0007_publication"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_theme_session_id", "theme", ["session_id"])
    op.create_table(
        "theme_vote",
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("theme_id", "participant_id"),
    )
    with op.batch_alter_table("insight") as batch:
        batch.add_column(sa.Column("theme_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_insight_theme_id", "theme", ["theme_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_insight_theme_id", ["theme_id"])


def downgrade():
    with op.batch_alter_table("insight") as batch:
        batch.drop_index("ix_insight_theme_id")
        batch.drop_constraint("fk_insight_theme_id", type_="foreignkey")
        batch.drop_column("theme_id")
    op.drop_table("theme_vote")
    op.drop_index("ix_theme_session_id", table_name="theme")
    op.drop_table("theme")
