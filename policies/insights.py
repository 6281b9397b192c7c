"""What the team wants to learn from its own data: the scorecard's thresholds for "where to
automate next", and the goals it holds itself to. Pure pydantic, part of the policy file."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Strict):
    """A row qualifies when it has at least this much volume and at most this much variability
    (requests the model was unsure of, or work sent back) and risk (regulated content)."""

    min_per_week: float = Field(ge=0)
    max_variability: float = Field(ge=0, le=1)
    max_risk: float = Field(ge=0, le=1)


class Scorecard(_Strict):
    weeks: int = Field(8, ge=1, le=104)  # the window the scorecard reads
    automate: Threshold = Threshold(min_per_week=5, max_variability=0.1, max_risk=0.0)
    assist: Threshold = Threshold(min_per_week=1, max_variability=0.35, max_risk=0.25)

    @model_validator(mode="after")
    def _assist_is_the_looser(self) -> Scorecard:
        a, b = self.automate, self.assist
        if a.min_per_week < b.min_per_week or a.max_variability > b.max_variability:
            raise ValueError("automate must ask at least as much as assist (volume, variability)")
        if a.max_risk > b.max_risk:
            raise ValueError("automate must allow no more risk than assist")
        return self


GoalMetric = Literal["rework_rate", "approval_p50_hours", "on_time_launches"]


class Baseline(_Strict):
    since: date
    until: date

    @model_validator(mode="after")
    def _ordered(self) -> Baseline:
        if self.since >= self.until:
            raise ValueError("a baseline's `since` comes before its `until`")
        return self


class Goal(_Strict):
    """One success criterion. `rework_rate` (share of briefs sent back at least once) and
    `approval_p50_hours` (median hours from submit to approved) are read over the last
    `over_weeks`; `on_time_launches` counts consecutive launches on or before their launch date.
    Exactly one target: `below`, `at_least`, or `change` (relative to `baseline`, -0.2 is 20% down)."""

    name: str = Field(min_length=1, max_length=80)
    metric: GoalMetric
    below: float | None = None
    at_least: float | None = None
    change: float | None = Field(None, gt=-1, lt=10)
    baseline: Baseline | None = None
    over_weeks: int = Field(4, ge=1, le=52)

    @model_validator(mode="after")
    def _one_target(self) -> Goal:
        targets = [t for t in (self.below, self.at_least, self.change) if t is not None]
        if len(targets) != 1:
            raise ValueError(f"goal '{self.name}' needs exactly one of below, at_least or change")
        if self.change is not None and self.baseline is None:
            raise ValueError(f"goal '{self.name}': a change is measured from a `baseline`")
        if self.metric == "on_time_launches" and self.at_least is None:
            raise ValueError(f"goal '{self.name}': on_time_launches takes `at_least` (a count)")
        return self
