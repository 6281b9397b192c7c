"""The team's flow figures, read in a unit of work of their own."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.flow import service
from bot.storage.database import Database
from policies.schema import Policy


def stats_lines(db: Database, policy: Policy, *, now: datetime, days: int) -> list[str]:
    """`/mops stats`: the figures of the last `days` days."""
    with db.read() as session:
        return service.stats_lines(session, policy, now=now, since=now - timedelta(days=days))
