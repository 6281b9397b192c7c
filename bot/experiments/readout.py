"""A readout: from a plan and its results to the effects and the decision the plan's rule gives.

Pure: no database, no Slack, no clock. The service decides when a readout is due (checkpoints
only) and how many days are left; the CLI reads a file out as a final look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.experiments.plan import Method, Metric, Plan
from bot.experiments.results import Results
from bot.experiments.statistics import (
    Effect,
    Moments,
    SampleRatio,
    p_text,
    power_reached,
    sample_ratio,
    sequential,
    thompson_weights,
    units_per_arm,
    welch,
)


class Decision(StrEnum):
    SHIP = "ship"
    ROLL_BACK = "roll_back"
    KEEP_RUNNING = "keep_running"
    INCONCLUSIVE = "inconclusive"
    UNHEALTHY = "unhealthy"


@dataclass(frozen=True)
class MetricReadout:
    metric: Metric
    role: str  # "goal" or "guardrail"
    effects: dict[str, Effect]  # per treatment arm
    power: float  # the weakest arm's power at the plan's MDE (goals)
    units_needed: int  # per arm, for the plan's MDE and power (goals)

    def good(self, arm: str) -> bool:
        """Significant in the plan's direction."""
        effect = self.effects[arm]
        return effect.absolute_low > 0 if self.metric.higher_is_better else effect.absolute_high < 0

    def bad(self, arm: str) -> bool:
        """A goal significantly the wrong way, or a guardrail significantly worse than its margin."""
        effect, margin = self.effects[arm], self.metric.margin
        if self.metric.higher_is_better:
            return (
                effect.relative_high < -margin
                if self.role == "guardrail"
                else effect.absolute_high < 0
            )
        return effect.relative_low > margin if self.role == "guardrail" else effect.absolute_low > 0


@dataclass(frozen=True)
class Readout:
    units: dict[str, int]
    srm: SampleRatio
    metrics: list[MetricReadout]
    decision: Decision
    arm: str | None  # the arm to ship, when the decision is ship
    reasons: list[str]
    alpha: float  # per comparison, after splitting the plan's alpha across treatment arms
    weights: dict[str, float] = field(default_factory=dict)  # bandits: next period's traffic

    @property
    def power(self) -> float:
        goals = [m.power for m in self.metrics if m.role == "goal"]
        return min(goals) if goals else 0.0

    @property
    def units_needed(self) -> int:
        return max((m.units_needed for m in self.metrics if m.role == "goal"), default=0)


def read_out(
    plan: Plan,
    results: Results,
    *,
    final: bool,
    until: date | None = None,
    planned_units: int | None = None,
) -> Readout:
    """The readout of `results` up to `until`. `final` is the last planned look (a fixed-horizon
    experiment decides only then); `planned_units` (all arms) tunes the sequential boundary."""
    units_by_arm = results.units_per_arm(until)
    units = {arm: units_by_arm.get(arm, 0) for arm in plan.arms}
    srm = sample_ratio(list(units.values()))
    treatments = plan.arms[1:]
    alpha = plan.alpha / len(treatments)  # Bonferroni: each comparison with the control
    metrics = [
        _metric(plan, results, metric, role, alpha, until, planned_units)
        for role, group in (("goal", plan.goals), ("guardrail", plan.guardrails))
        for metric in group
    ]
    decision, arm, reasons = decide(plan, srm, metrics, final=final)
    weights = {}
    if plan.method is Method.BANDIT:
        first = plan.goals[0]
        weights = thompson_weights(
            {a: results.totals(first.name, until).get(a, Moments(0, 0, 0)) for a in plan.arms},
            higher_is_better=first.higher_is_better,
        )
    return Readout(units, srm, metrics, decision, arm, reasons, alpha, weights)


def _metric(
    plan: Plan,
    results: Results,
    metric: Metric,
    role: str,
    alpha: float,
    until: date | None,
    planned_units: int | None,
) -> MetricReadout:
    totals = results.totals(metric.name, until)
    control = totals.get(plan.control, Moments(0, 0, 0))
    effects: dict[str, Effect] = {}
    powers: list[float] = []
    for arm in plan.arms[1:]:
        treatment = totals.get(arm, Moments(0, 0, 0))
        if plan.method is Method.SEQUENTIAL:
            effects[arm] = sequential(control, treatment, alpha, planned_units)
        else:
            effects[arm] = welch(control, treatment, alpha)
        powers.append(power_reached(control, treatment, plan.mde, alpha))
    needed = units_per_arm(control.mean, control.variance, plan.mde, alpha, plan.power)
    return MetricReadout(metric, role, effects, min(powers), needed)


def decide(
    plan: Plan, srm: SampleRatio, metrics: list[MetricReadout], *, final: bool
) -> tuple[Decision, str | None, list[str]]:
    """The pre-registered rule. Unhealthy on a sample ratio alert (no effect can be trusted).
    Ship an arm when every goal is significant in its direction and no guardrail is significantly
    worse than its margin; roll back when every arm has a goal significantly the wrong way or a
    guardrail significantly worse. Only a sequential plan decides before its final look."""
    if srm.status == "alert":
        return Decision.UNHEALTHY, None, [f"sample ratio mismatch ({p_text(srm.p_value)})"]
    if plan.method is not Method.SEQUENTIAL and not final:
        # A fixed-horizon test read early is fooled too often; a bandit's interim readout is
        # for moving traffic, and its estimates are biased toward the arm it favoured.
        return Decision.KEEP_RUNNING, None, ["the plan decides at its last checkpoint"]
    goals = [m for m in metrics if m.role == "goal"]
    guardrails = [m for m in metrics if m.role == "guardrail"]
    winners, losers = [], []
    for arm in plan.arms[1:]:
        harmed = [m.metric.name for m in guardrails if m.bad(arm)]
        if all(m.good(arm) for m in goals) and not harmed:
            winners.append(arm)
        elif harmed or any(m.bad(arm) for m in goals):
            losers.append(arm)
    if winners:
        best = max(winners, key=lambda arm: _signed_lift(goals[0], arm))
        return Decision.SHIP, best, [f"every goal improved significantly for {best}"]
    if losers and len(losers) == len(plan.arms) - 1:
        return (
            Decision.ROLL_BACK,
            None,
            ["every variant is significantly worse on a goal or guardrail"],
        )
    if not final:
        return Decision.KEEP_RUNNING, None, ["no goal is significant yet"]
    return Decision.INCONCLUSIVE, None, ["no variant met the rule by the last checkpoint"]


def _signed_lift(metric: MetricReadout, arm: str) -> float:
    lift = metric.effects[arm].relative
    if math.isnan(lift):
        lift = metric.effects[arm].absolute
    return lift if metric.metric.higher_is_better else -lift
