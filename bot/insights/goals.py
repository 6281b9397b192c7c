"""The team's goals judged against their figures: met or not, and how the figure moved week by
week (a text sparkline, so it reads the same in a digest, the App Home and a terminal)."""

from __future__ import annotations

from dataclasses import dataclass

from policies.insights import Goal

SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    value: float | None  # None: no data in the window yet
    baseline: float | None  # for a `change` goal
    trend: list[float | None]  # one per week, oldest first, ending now

    @property
    def met(self) -> bool | None:
        """None when it cannot be told yet (no data, or no baseline figure)."""
        goal, value = self.goal, self.value
        if value is None:
            return None
        if goal.below is not None:
            return value < goal.below
        if goal.at_least is not None:
            return value >= goal.at_least
        if goal.change is None or not self.baseline:
            return None
        moved = (value - self.baseline) / self.baseline
        return moved <= goal.change if goal.change < 0 else moved >= goal.change


def sparkline(values: list[float | None]) -> str:
    """One character per value, scaled between the smallest and the largest; a gap for None."""
    known = [value for value in values if value is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    return "".join(
        " "
        if value is None
        else SPARKS[0 if span == 0 else round((value - low) / span * (len(SPARKS) - 1))]
        for value in values
    )
