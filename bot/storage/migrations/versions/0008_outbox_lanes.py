"""outbox lanes and priority: a 429 pauses one lane, a person's answer goes before bulk fan-out

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        # Rows already waiting are ordinary messages.
        table.add_column(
            sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="1")
        )
        table.add_column(sa.Column("lane", sa.String(length=160), nullable=True))
    op.create_index("ix_outbox_status_priority", "outbox", ["status", "priority", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_status_priority", table_name="outbox")
    with op.batch_alter_table("outbox") as table:
        table.drop_column("lane")
        table.drop_column("priority")
