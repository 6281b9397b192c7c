"""Flow metrics from the audit trail: cycle times, throughput, rework, WIP and the bottleneck.

Cycle times are distributions (p50, p90, max), never only means. A stage is entered when a brief
is (re)submitted to the first stage or approved into the next one, and left by any decision or a
cancel at that stage. The bottleneck is the stage where items age faster than they leave: over the
window, more arrive than depart (net inflow), with the oldest waiting items as the tie-breaker.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AuditEvent, Brief
from policies.schema import Policy

ENTERS_FIRST = {"submit", "resubmit"}
LEAVES = {"approve", "request_changes", "reject", "cancel"}


@dataclass(frozen=True)
class Distribution:
    count: int
    p50: float
    p90: float
    max: float

    @classmethod
    def of(cls, hours: list[float]) -> Distribution:
        if not hours:
            return cls(0, 0.0, 0.0, 0.0)
        values = np.asarray(hours)
        return cls(len(hours), float(np.percentile(values, 50)), float(np.percentile(values, 90)),
                   float(values.max()))


@dataclass
class FlowMetrics:
    stages: dict[str, Distribution] = field(default_factory=dict)
    end_to_end: Distribution = Distribution(0, 0, 0, 0)
    throughput: dict[str, int] = field(default_factory=dict)  # ISO week -> approved
    submitted: int = 0
    reworked: int = 0
    mean_rounds: float = 0.0
    wip: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # stage -> (now, limit)
    net_inflow: dict[str, int] = field(default_factory=dict)
    oldest_waiting_hours: dict[str, float] = field(default_factory=dict)
    bottleneck: str | None = None

    @property
    def rework_rate(self) -> float:
        return self.reworked / self.submitted if self.submitted else 0.0


def compute(session: Session, policy: Policy, *, since: datetime, now: datetime) -> FlowMetrics:
    metrics = FlowMetrics()
    stage_order = {brief_id: stages for brief_id, stages in session.execute(select(Brief.id, Brief.stages))}
    rows = session.execute(
        select(AuditEvent.brief_id, AuditEvent.action, AuditEvent.to_state, AuditEvent.stage,
               AuditEvent.round, AuditEvent.at)
        .where(AuditEvent.at >= since, AuditEvent.brief_id.is_not(None))
        .order_by(AuditEvent.brief_id, AuditEvent.at, AuditEvent.id))
    durations: dict[str, list[float]] = defaultdict(list)
    end_to_end: list[float] = []
    arrivals: dict[str, int] = defaultdict(int)
    departures: dict[str, int] = defaultdict(int)
    rounds: dict[int, int] = {}
    reworked: set[int] = set()
    first_submit: dict[int, datetime] = {}
    entered: dict[int, tuple[str, datetime]] = {}
    for brief_id, action, to_state, stage, round_, at in rows:
        stages = stage_order.get(brief_id) or []
        if action in ENTERS_FIRST and stages:
            first_submit.setdefault(brief_id, at)
            rounds[brief_id] = max(rounds.get(brief_id, 1), round_ or 1)
            entered[brief_id] = (stages[0], at)
            arrivals[stages[0]] += 1
            continue
        if action not in LEAVES:
            continue
        current = entered.pop(brief_id, None)
        if current is not None and current[0] == stage:
            durations[stage].append((at - current[1]).total_seconds() / 3600)
            departures[stage] += 1
        if action == "request_changes":
            reworked.add(brief_id)
        if action == "approve" and to_state == "in_review" and stage in stages:
            following = stages.index(stage) + 1
            if following < len(stages):
                entered[brief_id] = (stages[following], at)
                arrivals[stages[following]] += 1
        if action == "approve" and to_state == "approved":
            if brief_id in first_submit:
                end_to_end.append((at - first_submit[brief_id]).total_seconds() / 3600)
            week = at.isocalendar()
            key = f"{week.year}-W{week.week:02d}"
            metrics.throughput[key] = metrics.throughput.get(key, 0) + 1
    metrics.stages = {name: Distribution.of(values) for name, values in durations.items()}
    metrics.end_to_end = Distribution.of(end_to_end)
    metrics.submitted = len(first_submit)
    metrics.reworked = len(reworked & set(first_submit))
    metrics.mean_rounds = float(np.mean(list(rounds.values()))) if rounds else 0.0
    _wip(session, policy, metrics, now)
    for stage in {*arrivals, *departures}:
        metrics.net_inflow[stage] = arrivals[stage] - departures[stage]
    metrics.bottleneck = _bottleneck(metrics)
    return metrics


def _wip(session: Session, policy: Policy, metrics: FlowMetrics, now: datetime) -> None:
    limits = {stage.name: stage.wip_limit for stage in policy.workflows.brief.stages}
    waiting = session.execute(select(Brief.stages, Brief.stage_index, Brief.stage_entered_at)
                              .where(Brief.state == "in_review"))
    counts: dict[str, int] = defaultdict(int)
    for stages, index, entered in waiting:
        if index is None or index >= len(stages):
            continue
        name = stages[index]
        counts[name] += 1
        age = (now - entered).total_seconds() / 3600
        metrics.oldest_waiting_hours[name] = max(metrics.oldest_waiting_hours.get(name, 0.0), age)
    for name in {*limits, *counts}:
        metrics.wip[name] = (counts.get(name, 0), limits.get(name))


def _bottleneck(metrics: FlowMetrics) -> str | None:
    waiting = [stage for stage, (count, _) in metrics.wip.items() if count]
    if not waiting:
        return None
    return max(waiting, key=lambda s: (metrics.net_inflow.get(s, 0), metrics.oldest_waiting_hours.get(s, 0.0)))


def stats_lines(session: Session, policy: Policy, *, since: datetime, now: datetime) -> list[str]:
    m = compute(session, policy, since=since, now=now)

    def dist(d: Distribution) -> str:
        return f"p50 {d.p50:.1f} h · p90 {d.p90:.1f} h · max {d.max:.1f} h (n={d.count})" if d.count else "no data"

    lines = ["*Cycle time per stage*"]
    for stage in policy.workflows.brief.stages:
        lines.append(f"• {stage.label}: {dist(m.stages.get(stage.name, Distribution.of([])))}")
    lines.append(f"*End to end* (submit → approved): {dist(m.end_to_end)}")
    weeks = ", ".join(f"{week}: {count}" for week, count in sorted(m.throughput.items())[-6:])
    lines.append(f"*Throughput* (approved per week): {weeks or 'none yet'}")
    lines.append(f"*Rework*: {m.rework_rate:.0%} of {m.submitted} briefs had changes requested · "
                 f"{m.mean_rounds:.2f} rounds per brief")
    wip = []
    for name, (count, limit) in sorted(m.wip.items()):
        over = " :warning: over limit" if limit is not None and count > limit else ""
        wip.append(f"{name} {count}/{limit if limit is not None else '-'}{over}")
    lines.append(f"*Work in progress*: {' · '.join(wip) or 'none'}")
    lines.append(f"*Bottleneck*: {m.bottleneck or 'none: nothing is waiting'}")
    return lines
