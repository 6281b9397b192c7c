"""intake requests as tickets: status new/claimed/done, who claimed and finished it, the brief
opened from it, the compliance review it needs, and the thread message that carries its buttons

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def columns() -> list[sa.Column]:
    return [
        sa.Column("regulated", sa.JSON()),
        sa.Column("reviewers", sa.JSON()),
        sa.Column("ticket_status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("claimed_by", sa.String(32)),
        sa.Column("claimed_at", UtcDateTime()),
        sa.Column("done_by", sa.String(32)),
        sa.Column("done_at", UtcDateTime()),
        sa.Column("brief_id", sa.Integer()),
        sa.Column("message_key", sa.String(128)),
        sa.Column("messages_posted", sa.Integer(), nullable=False, server_default="0"),
    ]


def upgrade() -> None:
    with op.batch_alter_table("intake_requests") as batch:
        for column in columns():
            batch.add_column(column)
    # Requests routed before tickets existed are not new work for anyone today.
    op.execute("UPDATE intake_requests SET ticket_status = 'done' WHERE status = 'routed'")
    with op.batch_alter_table("intake_requests") as batch:
        for name in ("ticket_status", "messages_posted"):
            batch.alter_column(name, server_default=None)
    op.create_index(
        "ix_intake_requests_ticket_status", "intake_requests", ["ticket_status", "received_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_intake_requests_ticket_status", table_name="intake_requests")
    with op.batch_alter_table("intake_requests") as batch:
        for column in reversed(columns()):
            batch.drop_column(column.name)
