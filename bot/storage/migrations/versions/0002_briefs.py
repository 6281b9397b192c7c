"""briefs, approvals and the append-only audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY_PG = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
"""

APPEND_ONLY_SQLITE = """
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;
"""


def upgrade() -> None:
    op.create_table(
        "briefs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("requester_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("stage_index", sa.Integer()),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("template_version", sa.String(32), nullable=False),
        sa.Column("policy_version", sa.String(32), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("stage_entered_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_briefs"),
    )
    op.create_index("ix_briefs_requester_id", "briefs", ["requester_id"])
    op.create_index("ix_briefs_state", "briefs", ["state"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brief_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("approver_id", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["brief_id"], ["briefs.id"], name="fk_approvals_brief_id_briefs"),
        sa.PrimaryKeyConstraint("id", name="pk_approvals"),
    )
    op.create_index("ix_approvals_brief_id", "approvals", ["brief_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("brief_id", sa.Integer()),
        sa.Column("actor_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32)),
        sa.Column("stage", sa.String(64)),
        sa.Column("round", sa.Integer()),
        sa.Column("reason", sa.Text()),
        sa.Column("policy_version", sa.String(32), nullable=False),
        sa.Column("template_version", sa.String(32)),
        sa.Column("detail", sa.JSON()),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brief_id"], ["briefs.id"], name="fk_audit_events_brief_id_briefs"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_brief_id_at", "audit_events", ["brief_id", "at"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_PG)
    else:
        op.execute(APPEND_ONLY_SQLITE)


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS audit_events_no_update"
        + (" ON audit_events" if op.get_bind().dialect.name == "postgresql" else "")
    )
    op.drop_table("audit_events")
    op.drop_table("approvals")
    op.drop_table("briefs")
