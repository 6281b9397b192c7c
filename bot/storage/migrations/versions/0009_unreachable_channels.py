"""channels that refused the bot's posts, once per day (ops admins are told once a day)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unreachable_channels",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("error", sa.String(64), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("first_at", UtcDateTime(), nullable=False),
    )
    op.create_index(
        "ux_unreachable_channels_day", "unreachable_channels", ["channel", "day"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_unreachable_channels_day", table_name="unreachable_channels")
    op.drop_table("unreachable_channels")
