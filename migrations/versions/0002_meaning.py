"""session tag set: a session can bring its own kinds, perspectives, phases, organisation types

Revision ID: 0002_meaning
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_meaning"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("session") as batch:
        batch.add_column(sa.Column("tag_set", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("session") as batch:
        batch.drop_column("tag_set")
