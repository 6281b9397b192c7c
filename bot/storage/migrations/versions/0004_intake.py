"""intake requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("model_version", sa.String(64)),
        sa.Column("predicted_label", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.Column("top3", sa.JSON()),
        sa.Column("reason", sa.String(32)),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(64)),
        sa.Column("confirmed_by", sa.String(32)),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("classified_at", UtcDateTime()),
        sa.Column("decided_at", UtcDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_intake_requests"),
        sa.UniqueConstraint("channel_id", "ts", name="uq_intake_requests_channel_id_ts"),
    )
    op.create_index("ix_intake_requests_status", "intake_requests", ["status"])


def downgrade() -> None:
    op.drop_table("intake_requests")
