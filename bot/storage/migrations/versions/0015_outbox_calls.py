"""outbox_calls: posts called whose answer is not recorded yet (looked up before posting again)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No foreign key to outbox on purpose: the marker is written while the row is locked FOR
    # UPDATE by the claiming transaction, and a key check would wait on that lock.
    op.create_table(
        "outbox_calls",
        sa.Column("row_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("called_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("row_id", name="pk_outbox_calls"),
    )


def downgrade() -> None:
    op.drop_table("outbox_calls")
