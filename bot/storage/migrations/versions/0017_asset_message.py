"""asset message: the thread message that shared a draft or link, so deleting that message in
Slack takes the asset off the brief

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("message_ts", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("message_ts")
