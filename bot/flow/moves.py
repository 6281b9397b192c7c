"""The audit trail's moves for a window, read as columns for bot/flow/metrics.py.

Which rows: the window's moves, plus the earlier moves of every brief that moved in the window or
still waits in review (a stay that began before the window needs its entry row). Other briefs'
old history is never read.

How: on PostgreSQL the server codes every value as a number and packs all rows into one bytea,
which numpy reads in one call: 300,000 rows arrive in about a second, where building a Python
tuple and four strings per row takes seconds more. SQLite (a small team's database) takes the
plain path, tuples through the cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import CompoundSelect, select, union
from sqlalchemy.orm import Session

from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.briefs.workflow import Action, BriefState
from bot.flow.columns import epoch_seconds
from bot.flow.metrics import ACTIONS, STATES, TransitionColumns

# The actions that start or end a stay in a review stage; the rest (create, schedule, go_live,
# compliance events, ...) never change a figure, so they are not read.
MOVES = (
    Action.SUBMIT,
    Action.RESUBMIT,
    Action.APPROVE,
    Action.REQUEST_CHANGES,
    Action.REJECT,
    Action.CANCEL,
)
UNKNOWN_STAGE = -2

# Every row becomes 24 bytes: brief id, action, from state, to state, stage (codes into the lists
# passed in; -1 for none, -2 for a stage not in the list), epoch seconds, audit id; big-endian.
_PACKED = """
SELECT string_agg(
    int4send(a.brief_id)
 || int2send((coalesce(array_position(%(actions)s::text[], a.action::text), 0) - 1)::int2)
 || int2send((coalesce(array_position(%(states)s::text[], a.from_state::text), 0) - 1)::int2)
 || int2send((coalesce(array_position(%(states)s::text[], a.to_state::text), 0) - 1)::int2)
 || int2send((CASE WHEN a.stage IS NULL THEN -1
                   ELSE coalesce(array_position(%(stages)s::text[], a.stage::text) - 1, -2)
              END)::int2)
 || float8send(extract(epoch FROM a.at)::float8)
 || int4send(a.id), ''::bytea)
FROM audit_events a
WHERE a.action = ANY(%(moves)s::text[]) AND a.at <= %(now)s AND a.brief_id IN (
  SELECT e.brief_id FROM audit_events e WHERE e.at >= %(since)s AND e.at <= %(now)s
  UNION SELECT b.id FROM briefs b WHERE b.state = %(in_review_state)s)
"""
_ROW = np.dtype(
    [
        ("brief", ">i4"),
        ("action", ">i2"),
        ("from_state", ">i2"),
        ("to_state", ">i2"),
        ("stage", ">i2"),
        ("at", ">f8"),
        ("id", ">i4"),
    ]
)


def read(
    session: Session, since: datetime, now: datetime, stage_names: Sequence[str]
) -> TransitionColumns:
    """The moves for [since, now]. `stage_names`: the stages to expect (the policy's and its
    gates'); on PostgreSQL rows at any other stage cost one more lookup by id."""
    if session.get_bind().dialect.name == "postgresql":
        return _read_packed(session, since, now, tuple(stage_names))
    return TransitionColumns.from_rows(rows(session, since, now))


def rows(session: Session, since: datetime, now: datetime) -> list[Any]:
    """(brief_id, action, from_state, to_state, stage, epoch seconds, id) as a cursor yields them."""
    relevant: CompoundSelect = union(
        select(AuditEvent.brief_id).where(AuditEvent.at >= since, AuditEvent.at <= now),
        select(Brief.id).where(Brief.state == BriefState.IN_REVIEW),
    )
    query = select(
        AuditEvent.brief_id,
        AuditEvent.action,
        AuditEvent.from_state,
        AuditEvent.to_state,
        AuditEvent.stage,
        epoch_seconds(AuditEvent.at),
        AuditEvent.id,  # the order rows were written in, for moves at the same moment
    ).where(AuditEvent.brief_id.in_(relevant), AuditEvent.action.in_(MOVES), AuditEvent.at <= now)
    return list(session.execute(query).all())


def _read_packed(
    session: Session, since: datetime, now: datetime, stage_names: tuple[str, ...]
) -> TransitionColumns:
    params = {
        "actions": list(ACTIONS),
        "states": list(STATES),
        "stages": list(stage_names),
        "moves": list(MOVES),
        "in_review_state": BriefState.IN_REVIEW,
        "since": since,
        "now": now,
    }
    # The session's own connection, so the read sees this transaction's snapshot; a binary
    # cursor hands the bytea over as bytes, untouched.
    raw = session.connection().connection.dbapi_connection
    # psycopg's cursor(binary=) is beyond the DB-API protocol SQLAlchemy types this as.
    with raw.cursor(binary=True) as cursor:  # type: ignore[union-attr]
        cursor.execute(_PACKED, params)
        (packed,) = cursor.fetchone()
        table = np.frombuffer(packed or b"", dtype=_ROW)
        stage = table["stage"].astype(np.int32)
        names = list(stage_names)
        unknown = np.flatnonzero(stage == UNKNOWN_STAGE)
        if unknown.size:  # a stage the policy no longer names: look those few rows up by id
            cursor.execute(
                "SELECT id, stage FROM audit_events WHERE id = ANY(%s)",
                [table["id"][unknown].tolist()],
            )
            found = dict(cursor.fetchall())
            extra = sorted(set(found.values()))
            names += extra
            code = {name: len(stage_names) + i for i, name in enumerate(extra)}
            stage[unknown] = [code[found[int(row_id)]] for row_id in table["id"][unknown]]
    return TransitionColumns(
        table["brief"].astype(np.int64),
        table["action"].astype(np.int8),
        table["from_state"].astype(np.int8),
        table["to_state"].astype(np.int8),
        stage,
        tuple(names),
        table["at"].astype(np.float64),
        table["id"].astype(np.int64),
    )
