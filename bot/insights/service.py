"""The scorecard's and the goals' figures, read from intake requests and the audit trail."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.briefs.workflow import Action
from bot.compliance.service import GATE_EVENT
from bot.flow import capacity
from bot.flow import service as flow
from bot.flow.metrics import FlowMetrics
from bot.insights import messages
from bot.insights.goals import GoalProgress
from bot.insights.scorecard import ScoreRow, WorkStats, score
from bot.intake.models import IntakeRequest
from bot.sla.calendar import calendar_for
from policies.insights import Goal
from policies.schema import Policy

TREND_WEEKS = 8
CONFIDENT = "confident"


def scorecard(session: Session, policy: Policy, *, now: datetime) -> list[ScoreRow]:
    weeks = policy.scorecard.weeks
    since = now - timedelta(weeks=weeks)
    stats = request_stats(session, policy, since=since, now=now)
    stats += stage_stats(session, policy, since=since, now=now)
    return score(stats, weeks, policy.scorecard)


def request_stats(
    session: Session, policy: Policy, *, since: datetime, now: datetime
) -> list[WorkStats]:
    """Per label the requests were routed under (or the model's, while a person decides)."""
    calendar = calendar_for(policy)
    query = select(IntakeRequest).where(
        IntakeRequest.received_at >= since, IntakeRequest.received_at <= now
    )
    grouped: dict[str, list[IntakeRequest]] = defaultdict(list)
    for request in session.scalars(query):
        label = request.label or request.predicted_label
        if label:
            grouped[label].append(request)
    return [
        WorkStats(
            "request",
            label,
            len(requests),
            sum(1 for r in requests if r.corrected or (r.reason and r.reason != CONFIDENT)),
            sum(1 for r in requests if r.regulated),
            sum(
                calendar.business_hours_between(r.claimed_at or r.received_at, r.done_at)
                for r in requests
                if r.done_at is not None
            ),
        )
        for label, requests in sorted(grouped.items())
    ]


def stage_stats(
    session: Session, policy: Policy, *, since: datetime, now: datetime
) -> list[WorkStats]:
    """Per review stage: stays that began in the window, the decisions that sent work back, the
    briefs with regulated findings, and the business hours briefs spent there."""
    names = capacity.stage_names(policy)
    stays = capacity.stays(session, policy, since=since, now=now)
    sent_back_by_stage = (
        select(AuditEvent.stage, func.count())
        .where(
            AuditEvent.action == Action.REQUEST_CHANGES,
            AuditEvent.at >= since,
            AuditEvent.at <= now,
        )
        .group_by(AuditEvent.stage)
    )
    sent_back = {str(stage): int(count) for stage, count in session.execute(sent_back_by_stage)}
    regulated = _briefs_with_findings(session, now)
    rows = []
    for name in names:
        code = stays.names.index(name) if name in stays.names else -1
        mine = (stays.stage == code) & (stays.entered >= since.timestamp())
        finished = mine & stays.ended
        hours = float((stays.left_hours[finished] - stays.entered_hours[finished]).sum())
        briefs = stays.brief_id[mine]
        rows.append(
            WorkStats(
                "stage",
                name,
                int(mine.sum()),
                sent_back.get(name, 0),
                int(np.isin(briefs, list(regulated)).sum()) if regulated else 0,
                hours,
            )
        )
    return rows


def _briefs_with_findings(session: Session, now: datetime) -> set[int]:
    """Briefs a compliance gate found regulated claims in (in any round, up to now)."""
    query = select(AuditEvent.brief_id, AuditEvent.detail).where(
        AuditEvent.action == GATE_EVENT, AuditEvent.at <= now
    )
    return {
        int(brief_id)
        for brief_id, detail in session.execute(query)
        if brief_id is not None and (detail or {}).get("categories")
    }


def goal_progress(session: Session, policy: Policy, *, now: datetime) -> list[GoalProgress]:
    windows = _Windows(session, policy)
    return [_progress(session, policy, goal, now, windows) for goal in policy.goals]


class _Windows:
    """Flow metrics per window, computed once: goals on the same window (rework and approval
    time over the last 4 weeks, say) read one audit-trail pass between them."""

    def __init__(self, session: Session, policy: Policy) -> None:
        self.session, self.policy = session, policy
        self.computed: dict[tuple[datetime, datetime], FlowMetrics] = {}

    def __call__(self, since: datetime, until: datetime) -> FlowMetrics:
        if (since, until) not in self.computed:
            self.computed[since, until] = flow.compute(
                self.session, self.policy, since=since, now=until, pipeline_waits=False
            )
        return self.computed[since, until]


def _progress(
    session: Session, policy: Policy, goal: Goal, now: datetime, windows: _Windows
) -> GoalProgress:
    trend = [
        _value(session, policy, goal, now - timedelta(weeks=back), windows)
        for back in range(TREND_WEEKS - 1, -1, -1)
    ]
    baseline = None
    if goal.baseline is not None:
        zone = calendar_for(policy).zone
        start = datetime.combine(goal.baseline.since, time(), zone)
        end = datetime.combine(goal.baseline.until + timedelta(days=1), time(), zone)
        baseline = _flow_value(goal, windows(start, end))
    return GoalProgress(goal, trend[-1], baseline, trend)


def _value(
    session: Session, policy: Policy, goal: Goal, at: datetime, windows: _Windows
) -> float | None:
    if goal.metric == "on_time_launches":
        streak = on_time_streak(session, policy, at)
        return None if streak is None else float(streak)
    return _flow_value(goal, windows(at - timedelta(weeks=goal.over_weeks), at))


def _flow_value(goal: Goal, metrics: FlowMetrics) -> float | None:
    if goal.metric == "rework_rate":
        return metrics.rework_rate if metrics.briefs_submitted else None
    if goal.metric == "approval_p50_hours":
        return metrics.end_to_end.p50 if metrics.end_to_end.count else None
    return None


def on_time_streak(session: Session, policy: Policy, at: datetime) -> int | None:
    """Launches in a row, most recent first, that went live on or before the brief's launch date
    (in the team's time zone). A launch without a launch date neither counts nor breaks it.
    None before the first launch with a date: no figure yet, rather than a streak of 0."""
    zone = calendar_for(policy).zone
    query = (
        select(AuditEvent.at, Brief.fields)
        .join(Brief, Brief.id == AuditEvent.brief_id)
        .where(AuditEvent.action == Action.GO_LIVE, AuditEvent.at <= at)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    streak, seen = 0, False
    for went_live, fields in session.execute(query):
        due = _launch_date(fields)
        if due is None:
            continue
        seen = True
        if went_live.astimezone(zone).date() > due:
            break
        streak += 1
    return streak if seen else None


def _launch_date(fields: dict | None) -> date | None:
    try:
        return date.fromisoformat(str((fields or {}).get("launch_date")))
    except ValueError:
        return None


def goal_summary(
    session: Session, policy: Policy, *, now: datetime, only_with_data: bool = False
) -> list[str]:
    """The goals' lines for a surface with its own heading (the weekly digest, the App Home);
    none when the policy sets no goals, or, `only_with_data`, when no goal has a figure yet."""
    progress = goal_progress(session, policy, now=now)
    if not progress or (only_with_data and all(item.value is None for item in progress)):
        return []
    return messages.goal_lines(progress)
