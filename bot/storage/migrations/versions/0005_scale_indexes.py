"""indexes for 100,000 open briefs: digests by state and age, the reminder tick's pending rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Digests list the oldest briefs of each state first and count them against SLA cutoffs.
    op.create_index("ix_briefs_state_stage_entered_at", "briefs", ["state", "stage_entered_at"])
    # The tick asks only for pending rows; sent and cancelled ones pile up forever beside them.
    op.create_index(
        "ix_reminders_pending_due_at",
        "reminders",
        ["due_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_reminders_pending_due_at", table_name="reminders")
    op.drop_index("ix_briefs_state_stage_entered_at", table_name="briefs")
