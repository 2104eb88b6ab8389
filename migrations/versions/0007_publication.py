"""publication and stories: a session or event published at /p/<slug>, a story per table

Revision ID: 0007_publication
Revises: 0006_photos
"""

import sqlalchemy as sa
from alembic import op


revision = "0007_publication"
down_revision = "0006_photos"
branch_labels = None
depends_on = None


def upgrade():
    for name in ("session", "event"):
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("publication_slug", sa.String(length=64), nullable=True))
            batch.add_column(
                sa.Column(
                    "publication_listed", sa.Boolean(), nullable=False, server_default=sa.false()
                )
            )
            batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
            batch.create_unique_constraint(f"uq_{name}_publication_slug", ["publication_slug"])
    op.create_table(
        "story",
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["table_id"], ["table.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("table_id"),
    )


def downgrade():
    op.drop_table("story")
    for name in ("session", "event"):
        with op.batch_alter_table(name) as batch:
            batch.drop_constraint(f"uq_{name}_publication_slug", type_="unique")
            batch.drop_column("published_at")
            batch.drop_column("publication_listed")
            batch.drop_column("publication_slug")
