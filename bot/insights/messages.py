"""The scorecard and the goals in plain words."""

from __future__ import annotations

from collections.abc import Mapping

from bot.insights.goals import GoalProgress, sparkline
from bot.insights.scorecard import ScoreRow
from policies.insights import Goal

VERDICT = {True: "met", False: "not yet", None: "too early to tell"}


def scorecard_lines(rows: list[ScoreRow], labels: Mapping[str, str], weeks: int) -> list[str]:
    lines = [f"*Where to automate next* (last {weeks} weeks, most hours first)"]
    if not rows:
        return [*lines, "No requests or reviews in that time yet."]
    for row in rows:
        request = row.stats.kind == "request"
        kind, each = ("requests", "requests") if request else ("review stage", "reviews")
        name = labels.get(row.stats.name, row.stats.name)
        # "0.0 business h" read as no work at all; a stage a brief waits in takes some.
        hours = "under 0.1" if row.hours_per_week < 0.05 else f"{row.hours_per_week:.1f}"
        lines.append(
            f"• *{name}* ({kind}): {row.per_week:.1f} {each} a week, {hours} business hours a "
            f"week, {row.variability:.0%} {'unsure' if request else 'sent back'}"
            f", {row.risk:.0%} regulated → *{row.recommendation}*: {row.reason}."
        )
    return lines


def goal_lines(progress: list[GoalProgress]) -> list[str]:
    if not progress:
        return ["No goals are set: add them under `goals:` in the policy."]
    return [goal_line(item) for item in progress]


def goal_line(item: GoalProgress) -> str:
    goal = item.goal
    now = "no data yet" if item.value is None else _figure(goal, item.value)
    line = f"• *{goal.name}*: {now}, {VERDICT[item.met]} ({_target(goal, item.baseline)})"
    spark = sparkline(item.trend)
    if spark.strip():
        line += f"  `{spark}` last {len(item.trend)} weeks"
    return line


def _figure(goal: Goal, value: float) -> str:
    if goal.metric == "rework_rate":
        return f"{value:.0%} sent back over the last {goal.over_weeks} weeks"
    if goal.metric == "approval_p50_hours":
        return f"median {value:.1f} h from submit to approved over the last {goal.over_weeks} weeks"
    return f"{value:.0f} on-time launches in a row"


def _target(goal: Goal, baseline: float | None) -> str:
    if goal.below is not None:
        return f"target: under {_plain(goal, goal.below)}"
    if goal.at_least is not None:
        return f"target: at least {_plain(goal, goal.at_least)}"
    assert goal.change is not None and goal.baseline is not None  # the schema's rule
    direction = "down" if goal.change < 0 else "up"
    period = f"{goal.baseline.since.day} {goal.baseline.since:%b} to {goal.baseline.until.day} {goal.baseline.until:%b %Y}"
    if baseline is None:
        return (
            f"target: {abs(goal.change):.0%} {direction} from its level in {period}, "
            "a period with no data to compare with"
        )
    return f"target: {abs(goal.change):.0%} {direction} from {_plain(goal, baseline)} in {period}"


def _plain(goal: Goal, value: float) -> str:
    if goal.metric == "rework_rate":
        return f"{value:.0%}"
    if goal.metric == "approval_p50_hours":
        return f"{value:.1f} h"
    return f"{value:g}"
