"""pipeline: checklist ticks, assets attached to briefs, channel variants

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _brief_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["brief_id"], ["briefs.id"], name=f"fk_{table}_brief_id_briefs")


def upgrade() -> None:
    op.create_table(
        "checklist_ticks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brief_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("ticked_by", sa.String(32), nullable=False),
        sa.Column("ticked_at", UtcDateTime(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        _brief_fk("checklist_ticks"),
        sa.PrimaryKeyConstraint("id", name="pk_checklist_ticks"),
        sa.UniqueConstraint(
            "brief_id",
            "round",
            "stage",
            "item_id",
            name="uq_checklist_ticks_brief_id_round_stage_item_id",
        ),
    )
    op.create_index("ix_checklist_ticks_brief_id", "checklist_ticks", ["brief_id"])
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brief_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("mimetype", sa.String(100)),
        sa.Column("width", sa.Integer()),
        sa.Column("height", sa.Integer()),
        sa.Column("alt_text", sa.Text()),
        sa.Column("caption", sa.Text()),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("posted_by", sa.String(32), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        _brief_fk("assets"),
        sa.PrimaryKeyConstraint("id", name="pk_assets"),
        sa.UniqueConstraint("brief_id", "ref", name="uq_assets_brief_id_ref"),
    )
    op.create_index("ix_assets_brief_id", "assets", ["brief_id"])
    op.create_table(
        "variants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brief_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("drafted_text", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("accepted_by", sa.String(32)),
        sa.Column("accepted_at", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        _brief_fk("variants"),
        sa.PrimaryKeyConstraint("id", name="pk_variants"),
        sa.UniqueConstraint("brief_id", "channel", name="uq_variants_brief_id_channel"),
    )
    op.create_index("ix_variants_brief_id", "variants", ["brief_id"])


def downgrade() -> None:
    for table in ("variants", "assets", "checklist_ticks"):
        op.drop_index(f"ix_{table}_brief_id", table_name=table)
        op.drop_table(table)
