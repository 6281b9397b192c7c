"""The flow figures from the database, for `/mops stats`, the App Home and the weekly chart;
the pipeline's tasks (bot.pipeline.figures) beside them once a team has any.

moves.py reads the audit trail's moves as columns, metrics.py does the arithmetic and
the wording, charts.py draws; this module passes the policy's stages, limits and labels.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from bot.briefs import messages
from bot.briefs.models import Brief
from bot.briefs.workflow import BriefState
from bot.flow import charts, moves
from bot.flow.metrics import FlowMetrics, flow_metrics, format_stats, stats_heading
from bot.pipeline import figures as pipeline
from bot.pipeline import waits
from policies.schema import Policy


def compute(
    session: Session, policy: Policy, *, since: datetime, now: datetime, pipeline_waits: bool = True
) -> FlowMetrics:
    """Flow over [since, now], in wall-clock hours: what a requester waits, nights included.
    With `pipeline_waits`, tasks, asset fixes and checklist ticks stand beside the review stages
    (each counted as a stage is), so any of them can be the bottleneck."""
    order = [stage.name for stage in policy.workflows.brief.stages]
    return flow_metrics(
        moves.read(session, since, now, [*order, *policy.compliance.gate_stages]),
        now,
        since,
        {stage.name: stage.wip_limit for stage in policy.workflows.brief.stages},
        stage_order=order,
        brief_stages=brief_stage_lists(session, order),
        week_tz=policy.business_hours.timezone,
        waits=waits.spans(session, policy, since=since, now=now) if pipeline_waits else None,
    )


def brief_stage_lists(session: Session, order: list[str]) -> dict[int, list[str]]:
    """Stage lists of waiting briefs that differ from the policy's (a compliance gate added one).
    Compared as stored JSON text: a false difference only costs a row, never a wrong answer."""
    query = select(Brief.id, Brief.stages).where(
        Brief.state == BriefState.IN_REVIEW, cast(Brief.stages, Text) != json.dumps(order)
    )
    return {brief_id: stages for brief_id, stages in session.execute(query) if stages != order}


def labels(policy: Policy, metrics: FlowMetrics) -> dict[str, str]:
    own = (waits.TASKS, waits.ASSET_FIXES, waits.CHECKLIST_TICKS)
    return {
        name: name if name in own else messages.stage_label(policy, name) for name in metrics.stages
    }


def stats_lines(session: Session, policy: Policy, *, since: datetime, now: datetime) -> list[str]:
    """`/mops stats`: a heading, then the figures."""
    metrics = compute(session, policy, since=since, now=now)
    return [
        stats_heading(metrics),
        *format_stats(metrics, labels(policy, metrics)),
        *pipeline.lines(pipeline.compute(session, policy, since=since, now=now)),
    ]


def figure_lines(session: Session, policy: Policy, *, since: datetime, now: datetime) -> list[str]:
    """The figures alone, for a surface with its own heading (the App Home)."""
    metrics = compute(session, policy, since=since, now=now)
    tasks = pipeline.lines(pipeline.compute(session, policy, since=since, now=now))
    return [*format_stats(metrics, labels(policy, metrics)), *tasks]


def cycle_time_chart(
    session: Session, policy: Policy, *, since: datetime, now: datetime
) -> bytes | None:
    """The weekly chart's PNG; None when no review finished in the window (nothing to draw).
    Review stages only: the chart is about reviews."""
    metrics = compute(session, policy, since=since, now=now, pipeline_waits=False)
    finished = metrics.end_to_end.count or any(s.cycle.count for s in metrics.stages.values())
    return charts.cycle_time_chart_png(metrics, labels(policy, metrics)) if finished else None
