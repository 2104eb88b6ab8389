"""table host nonce: a host link names its table by id and nonce, so a reused id opens nothing

Revision ID: 0003_authz
Revises: 0002_meaning
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_authz"
down_revision = "0002_meaning"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable and left empty for existing tables, so the host links already handed out still work.
    with op.batch_alter_table("table") as batch:
        batch.add_column(sa.Column("host_nonce", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("table") as batch:
        batch.drop_column("host_nonce")
