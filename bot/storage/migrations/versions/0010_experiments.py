"""experiments: plans (versioned), results, readouts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date()),
        sa.Column("first_result_at", UtcDateTime()),
        sa.Column("last_checkpoint", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("push_token_hash", sa.String(64)),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_experiments"),
    )
    op.create_index("ix_experiments_status", "experiments", ["status"])
    op.create_table(
        "experiment_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=False),
        sa.Column("after_data", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name="fk_experiment_versions_experiment_id_experiments",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_experiment_versions"),
        sa.UniqueConstraint(
            "experiment_id", "version", name="uq_experiment_versions_experiment_id_version"
        ),
    )
    op.create_table(
        "experiment_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("arm", sa.String(60), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(60), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("total_sq", sa.Float(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name="fk_experiment_results_experiment_id_experiments",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_experiment_results"),
        sa.UniqueConstraint(
            "experiment_id",
            "arm",
            "day",
            "metric",
            name="uq_experiment_results_experiment_id_arm_day_metric",
        ),
    )
    op.create_table(
        "experiment_readouts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.Integer(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("arm", sa.String(60)),
        sa.Column("follow_up", sa.Text(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name="fk_experiment_readouts_experiment_id_experiments",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_experiment_readouts"),
        sa.UniqueConstraint(
            "experiment_id", "checkpoint", name="uq_experiment_readouts_experiment_id_checkpoint"
        ),
    )


def downgrade() -> None:
    op.drop_table("experiment_readouts")
    op.drop_table("experiment_results")
    op.drop_table("experiment_versions")
    op.drop_index("ix_experiments_status", table_name="experiments")
    op.drop_table("experiments")
