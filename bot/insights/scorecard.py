"""Where to automate next: each intake label and each review stage scored on volume, variability,
impact and risk, with a recommendation (automate, assist, keep manual) and the reason for it.

Pure: the figures come in as WorkStats (bot/insights/service.py reads them), the thresholds from
the policy's `scorecard:`. Rows are ordered by impact, the business hours they take a week: the
top row that may be automated is where automation pays most.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from policies.insights import Scorecard, Threshold


class Recommendation(StrEnum):
    AUTOMATE = "automate"
    ASSIST = "assist"
    KEEP_MANUAL = "keep manual"


@dataclass(frozen=True)
class WorkStats:
    """One kind of work over the window. `variable`: for requests, those the model was unsure of
    (a person had to pick the label, or corrected it); for a stage, decisions that sent the brief
    back. `hours`: business hours the work took (requests: received to done; stages: time in the
    stage)."""

    kind: Literal["request", "stage"]
    name: str
    items: int
    variable: int
    regulated: int
    hours: float


@dataclass(frozen=True)
class ScoreRow:
    stats: WorkStats
    per_week: float
    variability: float
    risk: float
    hours_per_week: float
    recommendation: Recommendation
    reason: str


def score(stats: list[WorkStats], weeks: float, policy: Scorecard) -> list[ScoreRow]:
    rows = []
    for item in stats:
        if item.items == 0:
            continue
        per_week = item.items / weeks
        variability = item.variable / item.items
        risk = item.regulated / item.items
        recommendation, reason = _recommend(item.kind, per_week, variability, risk, policy)
        rows.append(
            ScoreRow(item, per_week, variability, risk, item.hours / weeks, recommendation, reason)
        )
    return sorted(rows, key=lambda row: (-row.hours_per_week, -row.per_week, row.stats.name))


def _recommend(
    kind: str, per_week: float, variability: float, risk: float, policy: Scorecard
) -> tuple[Recommendation, str]:
    unsure = "unsure or corrected" if kind == "request" else "sent back"
    automate_misses = _misses(policy.automate, per_week, variability, risk, unsure)
    if not automate_misses:
        return Recommendation.AUTOMATE, (
            f"steady volume ({per_week:.1f} a week), predictable ({variability:.0%} {unsure}), "
            + ("no regulated content" if risk == 0 else f"regulated content in {risk:.0%}")
        )
    assist_misses = _misses(policy.assist, per_week, variability, risk, unsure)
    if not assist_misses:
        return (
            Recommendation.ASSIST,
            f"{automate_misses[0]}: a draft or pre-check, a person decides",
        )
    return Recommendation.KEEP_MANUAL, assist_misses[0]


def _misses(
    threshold: Threshold, per_week: float, variability: float, risk: float, unsure: str
) -> list[str]:
    """Why a row falls short of a threshold, the weightiest reason first (risk, then variability,
    then volume)."""
    misses = []
    if risk > threshold.max_risk:
        misses.append(f"regulated content in {risk:.0%}")
    if variability > threshold.max_variability:
        misses.append(f"{variability:.0%} {unsure}")
    if per_week < threshold.min_per_week:
        misses.append(f"only {per_week:.1f} a week")
    return misses
