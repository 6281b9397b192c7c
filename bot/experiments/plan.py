"""The pre-registered plan of an experiment: what is tested, how it is judged, and what the team
will do with each outcome. Written before any data and frozen once the first result arrives
(a change after that is a new version, which every readout names)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_ARMS = 20
MAX_GOALS = 2
MAX_GUARDRAILS = 5


class Method(StrEnum):
    FIXED = "fixed"  # one honest look at the planned horizon
    SEQUENTIAL = "sequential"  # anytime-valid: a decision may come at any checkpoint
    BANDIT = "bandit"  # traffic moves to the better arms; effects are biased


METHOD_LABELS = {
    Method.FIXED: "Fixed horizon",
    Method.SEQUENTIAL: "Sequential (valid at every checkpoint)",
    Method.BANDIT: "Bandit (Thompson sampling)",
}


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class Metric(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=60)
    direction: Direction = Direction.INCREASE
    margin: float = Field(default=0.0, ge=0, le=1)  # guardrails: how much worse is tolerated

    @property
    def higher_is_better(self) -> bool:
        return self.direction is Direction.INCREASE


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=120)
    hypothesis: str = Field(min_length=1, max_length=2000)
    arms: list[str] = Field(min_length=2, max_length=MAX_ARMS)  # control first
    unit: str = Field(default="user", min_length=1, max_length=60)
    goals: list[Metric] = Field(min_length=1, max_length=MAX_GOALS)
    guardrails: list[Metric] = Field(default_factory=list, max_length=MAX_GUARDRAILS)
    mde: float = Field(default=0.10, gt=0, lt=10)  # relative, 0.10 = 10%
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    power: float = Field(default=0.80, gt=0.5, lt=1)
    min_days: int = Field(default=7, ge=1, le=365)
    checkpoints: list[int] = Field(default_factory=lambda: [7], min_length=1, max_length=20)
    method: Method = Method.FIXED
    if_win: str = Field(default="", max_length=1000)
    if_lose: str = Field(default="", max_length=1000)
    if_inconclusive: str = Field(default="", max_length=1000)

    @property
    def control(self) -> str:
        return self.arms[0]

    @property
    def metrics(self) -> list[Metric]:
        return [*self.goals, *self.guardrails]

    @field_validator("arms")
    @classmethod
    def _distinct_arms(cls, arms: list[str]) -> list[str]:
        arms = [arm.strip() for arm in arms]
        if any(not arm for arm in arms):
            raise ValueError("an arm has no name")
        if len({arm.lower() for arm in arms}) != len(arms):
            raise ValueError("two arms have the same name")
        return arms

    @field_validator("checkpoints")
    @classmethod
    def _sorted_checkpoints(cls, days: list[int]) -> list[int]:
        if any(day < 1 or day > 365 for day in days):
            raise ValueError("checkpoints are days after the start, from 1 to 365")
        return sorted(set(days))

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        names = [metric.name for metric in self.metrics]
        if len(set(names)) != len(names):
            raise ValueError("a metric is listed twice")
        if self.checkpoints[-1] < self.min_days:
            raise ValueError("the last checkpoint comes before the minimum runtime")
        return self
