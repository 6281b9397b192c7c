"""audit trail: the words people typed may be removed from it; its facts still never change

The trail stays append-only for every fact: who, what, when, on which brief, stage and round, in
which state, under which policy. Two kinds of words in it are copies of what people typed, and
the retention purge and `/mops forget` (bot.privacy) remove them: the reason of a `task_blocked`
event (a task's Blocked reason) may become NULL, and the detail of an `asset_attached` or
`asset_details` event (which names the file or link) may change. Nothing else: a decision's
reason is the team's record of why, and stays.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The facts: equal before and after, or the update is refused.
FACTS = (
    "id",
    "brief_id",
    "actor_id",
    "action",
    "from_state",
    "to_state",
    "stage",
    "round",
    "policy_version",
    "template_version",
    "at",
)
BLOCKED = "'task_blocked'"
ASSET_EVENTS = "('asset_attached', 'asset_details')"


def _same(column: str, postgresql: bool) -> str:
    # NULL-safe equality; PostgreSQL's json type has no equality, so detail compares as text.
    if postgresql:
        cast = "::text" if column == "detail" else ""
        return f"NEW.{column}{cast} IS NOT DISTINCT FROM OLD.{column}{cast}"
    return f"NEW.{column} IS OLD.{column}"


def _allowed(postgresql: bool) -> str:
    facts = " AND ".join(_same(column, postgresql) for column in FACTS)
    return (
        f"({facts})"
        f" AND ({_same('reason', postgresql)} OR (OLD.action = {BLOCKED} AND NEW.reason IS NULL))"
        f" AND ({_same('detail', postgresql)} OR OLD.action IN {ASSET_EVENTS})"
    )


def _pg(allowed: str | None) -> str:
    check = f"  IF {allowed} THEN\n    RETURN NEW;\n  END IF;\n" if allowed else ""
    return f"""
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
{check}  RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def _sqlite(allowed: str | None) -> str:
    when = f" WHEN NOT ({allowed})" if allowed else ""
    return f"""
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events{when}
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;
"""


def _replace(removable: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The trigger calls the function by name: replacing the function is enough.
        op.execute(_pg(_allowed(True) if removable else None))
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute(_sqlite(_allowed(False) if removable else None))


def upgrade() -> None:
    _replace(removable=True)


def downgrade() -> None:
    _replace(removable=False)
