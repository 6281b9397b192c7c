"""The flow figures from the database: read the audit rows a window needs, as columns.

bot/metrics.py does the arithmetic and the wording; this module decides which rows it needs and
reads them without ORM objects: the window's moves, plus the earlier moves of every brief that
moved in the window or still waits in review (a stay that began before the window needs its
entry row). Other briefs' old history is never read.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Text, cast, select, union
from sqlalchemy.orm import Session

from bot import charts
from bot.briefs import messages
from bot.columns import epoch_seconds
from bot.metrics import FlowMetrics, TransitionColumns, flow_metrics, format_stats, stats_heading
from bot.models import AuditEvent, Brief
from policies.schema import Policy

# The audit actions that start or end a stay in a review stage; the rest (create, schedule,
# go_live, reopen, ...) never change a figure, so they are not read.
MOVES = ("submit", "resubmit", "approve", "request_changes", "reject", "cancel")


def compute(session: Session, policy: Policy, *, since: datetime, now: datetime) -> FlowMetrics:
    """Flow over [since, now], in wall-clock hours: what a requester waits, nights included."""
    order = [stage.name for stage in policy.workflows.brief.stages]
    return flow_metrics(
        TransitionColumns.from_rows(_moves(session, since, now)),
        now,
        since,
        {stage.name: stage.wip_limit for stage in policy.workflows.brief.stages},
        stage_order=order,
        brief_stages=_other_stage_lists(session, order),
        week_tz=policy.business_hours.timezone,
    )


def _moves(session: Session, since: datetime, now: datetime) -> list:
    relevant = union(
        select(AuditEvent.brief_id).where(AuditEvent.at >= since, AuditEvent.at <= now),
        select(Brief.id).where(Brief.state == "in_review"),
    )
    query = select(
        AuditEvent.brief_id,
        AuditEvent.action,
        AuditEvent.from_state,
        AuditEvent.to_state,
        AuditEvent.stage,
        epoch_seconds(AuditEvent.at),
        AuditEvent.id,  # the order rows were written in, for moves at the same moment
    ).where(
        AuditEvent.brief_id.in_(relevant), AuditEvent.action.in_(MOVES), AuditEvent.at <= now
    )
    return session.execute(query).all()


def _other_stage_lists(session: Session, order: list[str]) -> dict[int, list[str]]:
    """Stage lists of waiting briefs that differ from the policy's (a compliance gate added one).
    Compared as stored JSON text: a false difference only costs a row, never a wrong answer."""
    query = select(Brief.id, Brief.stages).where(
        Brief.state == "in_review", cast(Brief.stages, Text) != json.dumps(order)
    )
    return {brief_id: stages for brief_id, stages in session.execute(query) if stages != order}


def labels(policy: Policy, metrics: FlowMetrics) -> dict[str, str]:
    return {name: messages.stage_label(policy, name) for name in metrics.stages}


def stats_lines(session: Session, policy: Policy, *, since: datetime, now: datetime) -> list[str]:
    """`/mops stats`: a heading, then the figures."""
    metrics = compute(session, policy, since=since, now=now)
    return [stats_heading(metrics), *format_stats(metrics, labels(policy, metrics))]


def figure_lines(session: Session, policy: Policy, *, since: datetime, now: datetime) -> list[str]:
    """The figures alone, for a surface with its own heading (the App Home)."""
    metrics = compute(session, policy, since=since, now=now)
    return format_stats(metrics, labels(policy, metrics))


def cycle_time_chart(
    session: Session, policy: Policy, *, since: datetime, now: datetime
) -> bytes | None:
    """The weekly chart's PNG; None when no review finished in the window (nothing to draw)."""
    metrics = compute(session, policy, since=since, now=now)
    finished = metrics.end_to_end.count or any(s.cycle.count for s in metrics.stages.values())
    return charts.cycle_time_chart_png(metrics, labels(policy, metrics)) if finished else None
