"""who is speaking and consent to be quoted: organisation, role, place, quote_consent

Revision ID: 0004_speaking
Revises: 0003_authz

Participants who joined before this revision get "anonymous", the default: nobody was asked, so
no export names them until they say so.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_speaking"
down_revision = "0003_authz"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant") as batch:
        batch.add_column(
            sa.Column("organisation", sa.String(length=120), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("role", sa.String(length=80), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("place", sa.String(length=80), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column(
                "quote_consent", sa.String(length=20), nullable=False, server_default="anonymous"
            )
        )
        batch.add_column(sa.Column("consent_given_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("insight") as batch:
        batch.add_column(sa.Column("quote_consent", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("insight") as batch:
        batch.drop_column("quote_consent")
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("consent_given_at")
        batch.drop_column("quote_consent")
        batch.drop_column("place")
        batch.drop_column("role")
        batch.drop_column("organisation")
