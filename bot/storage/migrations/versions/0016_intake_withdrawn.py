"""intake withdrawn: when the request's message was deleted in Slack (the request is closed and
its words dropped)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_requests") as batch:
        batch.add_column(sa.Column("withdrawn_at", UtcDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("intake_requests") as batch:
        batch.drop_column("withdrawn_at")
