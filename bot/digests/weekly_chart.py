"""The weekly cycle-time chart: a PNG of the last week's review times, shared into each digest
channel on the policy's chart day (digests.weekly_chart_day), once per week per channel.

The digest tick decides when (a digest run of kind "weekly_chart" keyed by the local day makes
it exactly once); this module decides what: the figures, the picture and the words with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.flow import service as flow
from bot.slack.outbox import enqueue_file
from policies.schema import Policy

Enqueue = Callable[[Session], object]  # writes a digest's outbox rows, once its run is recorded
WINDOW = timedelta(days=7)


def build(session: Session, policy: Policy, channel: str, now: datetime) -> Enqueue | None:
    """What to share into `channel`; None when no review finished this week (an empty chart
    says nothing the daily digest doesn't)."""
    png = flow.cycle_time_chart(session, policy, since=now - WINDOW, now=now)
    if png is None:
        return None
    day = f"{now:%Y-%m-%d}"
    return lambda s: enqueue_file(
        s,
        channel=channel,
        filename=f"cycle-times-{day}.png",
        content=png,
        title=f"Cycle time per review stage, week to {day}",
        initial_comment=(
            "*Weekly flow chart*: time in each review stage over the last 7 days (box: middle "
            "half, bar: p50, diamond: p90, whiskers: fastest and slowest). "
            "`/mops stats 7d` has the figures."
        ),
        ordering_key=f"digest:{channel}",  # after the day's digest text, never before it
    )
