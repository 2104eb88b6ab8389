"""insight photos: the random name of the stored, re-encoded photo and its size in pixels

Revision ID: 0006_photos
Revises: 0004_speaking
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_photos"
down_revision = "0004_speaking"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("insight") as batch:
        batch.add_column(sa.Column("photo", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("photo_width", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("photo_height", sa.Integer(), nullable=True))
        batch.create_unique_constraint("uq_insight_photo", ["photo"])


def downgrade():
    with op.batch_alter_table("insight") as batch:
        batch.drop_constraint("uq_insight_photo", type_="unique")
        batch.drop_column("photo_height")
        batch.drop_column("photo_width")
        batch.drop_column("photo")
