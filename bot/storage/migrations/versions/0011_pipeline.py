"""pipeline: tasks of approved briefs, their reminders, launch intents, owner turns

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pipeline_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brief_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("owner_ref", sa.String(64), nullable=False),
        sa.Column("assignee_id", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("depends_on", sa.JSON(), nullable=False),
        sa.Column("blocked_reason", sa.Text()),
        sa.Column("due_at", UtcDateTime()),
        sa.Column("sla_hours", sa.Float()),
        sa.Column("ready_at", UtcDateTime()),
        sa.Column("policy_version", sa.String(32), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("done_at", UtcDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brief_id"], ["briefs.id"], name="fk_pipeline_tasks_brief_id_briefs"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pipeline_tasks"),
        sa.UniqueConstraint(
            "brief_id", "round", "name", name="uq_pipeline_tasks_brief_id_round_name"
        ),
    )
    op.create_index("ix_pipeline_tasks_assignee_id", "pipeline_tasks", ["assignee_id"])
    op.create_index("ix_pipeline_tasks_status_due_at", "pipeline_tasks", ["status", "due_at"])
    op.create_table(
        "pipeline_task_reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_at", UtcDateTime()),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["pipeline_tasks.id"],
            name="fk_pipeline_task_reminders_task_id_pipeline_tasks",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pipeline_task_reminders"),
        sa.UniqueConstraint(
            "task_id", "kind", "sequence", name="uq_pipeline_task_reminders_task_id_kind_sequence"
        ),
    )
    op.create_index(
        "ix_pipeline_task_reminders_pending_due_at",
        "pipeline_task_reminders",
        ["due_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "pipeline_launches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brief_id", sa.Integer(), nullable=False),
        sa.Column("launch_at", UtcDateTime(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("requested_by", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("told", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("launched_at", UtcDateTime()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brief_id"], ["briefs.id"], name="fk_pipeline_launches_brief_id_briefs"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pipeline_launches"),
        sa.UniqueConstraint("brief_id", name="uq_pipeline_launches_brief_id"),
    )
    op.create_index(
        "ix_pipeline_launches_status_launch_at", "pipeline_launches", ["status", "launch_at"]
    )
    op.create_table(
        "pipeline_owner_turns",
        sa.Column("owner_ref", sa.String(64), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("owner_ref", name="pk_pipeline_owner_turns"),
    )


def downgrade() -> None:
    op.drop_table("pipeline_owner_turns")
    op.drop_index("ix_pipeline_launches_status_launch_at", table_name="pipeline_launches")
    op.drop_table("pipeline_launches")
    op.drop_index("ix_pipeline_task_reminders_pending_due_at", table_name="pipeline_task_reminders")
    op.drop_table("pipeline_task_reminders")
    op.drop_index("ix_pipeline_tasks_status_due_at", table_name="pipeline_tasks")
    op.drop_index("ix_pipeline_tasks_assignee_id", table_name="pipeline_tasks")
    op.drop_table("pipeline_tasks")
