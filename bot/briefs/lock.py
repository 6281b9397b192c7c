"""One writer at a time in a brief's thread: the brief's row, held until the transaction ends.

The outbox sender posts a thread's rows in id order, and ids are handed out when a row is
written, not when its transaction commits. So whatever writes to a brief's thread holds the
brief's row first, before any outbox row (and before other rows, so two flows never wait on
each other crosswise): two transactions writing one thread then commit one after the other, and
their ids are in commit order. Without it an approval whose ids came first could commit after a
reminder it waited on, and the thread read "waiting on Brand" after "Brand approved" (found by
the soak on PostgreSQL). SQLite has one writer at a time already; SQLAlchemy leaves FOR UPDATE
out there, so both functions only read the row.

Its own module because bot.briefs.service, staffing and messages, and the domains above them
(compliance, sla, pipeline) all take it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs.models import Brief


def hold(session: Session, brief_id: int) -> None:
    """Hold the brief's row until this transaction ends, waiting while another holds it. For
    what a person (or a queued job) does: it is worth the wait, and it then sees the other's
    change."""
    session.execute(select(Brief.id).where(Brief.id == brief_id).with_for_update())


def hold_unless_busy(session: Session, brief_id: int) -> bool:
    """For ticks: hold the brief's row if nobody else does, else False at once (the tick leaves
    the brief for its next round, which sees the other's change). Waiting could deadlock: the
    other may be waiting on a row this tick holds (the reminder or launch it claimed). True
    when the brief is gone: the caller finds that out itself."""
    held = session.scalar(
        select(Brief.id).where(Brief.id == brief_id).with_for_update(skip_locked=True)
    )
    return held is not None or session.get(Brief, brief_id) is None
