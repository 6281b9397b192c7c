"""intake deflection: the version of the pre-approved reply the bot answered with, and who said
it didn't help (the request then went to the owner group)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_requests") as batch:
        batch.add_column(sa.Column("reply_version", sa.Integer()))
        batch.add_column(sa.Column("not_helped_by", sa.String(32)))
        batch.add_column(sa.Column("not_helped_at", UtcDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("intake_requests") as batch:
        for name in ("not_helped_at", "not_helped_by", "reply_version"):
            batch.drop_column(name)
