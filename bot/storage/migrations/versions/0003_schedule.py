"""reminders, digest runs, user settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brief_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_at", UtcDateTime()),
        sa.ForeignKeyConstraint(["brief_id"], ["briefs.id"], name="fk_reminders_brief_id_briefs"),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.UniqueConstraint(
            "brief_id",
            "stage",
            "round",
            "kind",
            "sequence",
            name="uq_reminders_brief_id_stage_round_kind_sequence",
        ),
    )
    op.create_index("ix_reminders_due", "reminders", ["status", "due_at"])
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.Column("empty", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digest_runs"),
        sa.UniqueConstraint("kind", "target", "day", name="uq_digest_runs_kind_target_day"),
    )
    op.create_table(
        "user_settings",
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("digest_enabled", sa.Boolean(), nullable=False),
        sa.Column("digest_time", sa.String(5)),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_settings"),
    )


def downgrade() -> None:
    op.drop_table("user_settings")
    op.drop_table("digest_runs")
    op.drop_table("reminders")
