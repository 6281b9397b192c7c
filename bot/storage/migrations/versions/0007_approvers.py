"""approver control: a brief's stages handed to a person, and people away with a delegate

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("briefs") as batch:
        batch.add_column(sa.Column("assignees", sa.JSON(), nullable=True))
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("on_behalf_of", sa.String(32), nullable=True))
    op.create_table(
        "away",
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("delegate_id", sa.String(32)),
        sa.Column("set_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_away"),
    )
    op.create_index("ix_away_delegate_id", "away", ["delegate_id"])


def downgrade() -> None:
    op.drop_index("ix_away_delegate_id", table_name="away")
    op.drop_table("away")
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("on_behalf_of")
    with op.batch_alter_table("briefs") as batch:
        batch.drop_column("assignees")
