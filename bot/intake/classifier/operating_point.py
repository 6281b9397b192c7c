"""Where the bot stops asking: the threshold and margin, chosen from held-out predictions for a
target the taxonomy states, and the coverage/accuracy curve an ops lead picks from.

"Routed" means the bot routed on its own (confident, not out of scope). Routed accuracy counts an
out-of-scope message that was routed as a mistake; coverage and "to a person" are shares of the
in-scope requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from policies.intake_schema import OUT_OF_SCOPE, Target

THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.0, 1.0, 0.01))
MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
SHOWN_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


@dataclass(frozen=True)
class Point:
    threshold: float
    margin: float
    coverage: float  # in-scope requests routed without asking
    routed_accuracy: float  # right among everything routed without asking (out of scope: wrong)
    to_person: float  # in-scope requests handed to a person (1 - coverage)
    oos_recall: float  # out-of-scope messages not routed

    def summary(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


def _columns(
    probs: np.ndarray, classes: Sequence[str], truth: Sequence[str]
) -> tuple[np.ndarray, ...]:
    order = np.argsort(-probs, axis=1)
    top = order[:, 0]
    confidence = probs[np.arange(len(probs)), top]
    second = (
        probs[np.arange(len(probs)), order[:, 1]] if probs.shape[1] > 1 else np.zeros(len(probs))
    )
    names = np.array(classes, dtype=object)
    is_oos_top = names[top] == OUT_OF_SCOPE
    right = names[top] == np.array(list(truth), dtype=object)
    inside = np.array([label != OUT_OF_SCOPE for label in truth])
    return confidence, confidence - second, is_oos_top, right, inside


def curve(
    probs: np.ndarray,
    classes: Sequence[str],
    truth: Sequence[str],
    thresholds: Sequence[float] = THRESHOLDS,
    margins: Sequence[float] = MARGINS,
) -> list[Point]:
    confidence, gap, is_oos_top, right, inside = _columns(probs, classes, truth)
    points = []
    for margin in margins:
        for threshold in thresholds:
            routed = ~is_oos_top & (confidence >= threshold) & (gap >= margin)
            covered = routed[inside]
            points.append(
                Point(
                    threshold=float(threshold),
                    margin=float(margin),
                    coverage=float(covered.mean()) if inside.any() else 0.0,
                    routed_accuracy=float((right & inside)[routed].mean()) if routed.any() else 1.0,
                    to_person=float(1 - covered.mean()) if inside.any() else 0.0,
                    oos_recall=float((~routed)[~inside].mean()) if (~inside).any() else 1.0,
                )
            )
    return points


def choose(
    probs: np.ndarray, classes: Sequence[str], truth: Sequence[str], target: Target
) -> tuple[Point, bool]:
    """The point that meets `target` and routes the most (routed_accuracy), or is the most accurate
    (to_person); when none meets it, the closest. Returns (point, met)."""
    points = curve(probs, classes, truth)
    if target.routed_accuracy is not None:
        wanted = target.routed_accuracy
        meeting = [p for p in points if p.routed_accuracy >= wanted]
        if meeting:  # most routed; then the most accurate; then the lowest bar
            return max(meeting, key=lambda p: (p.coverage, p.routed_accuracy, -p.threshold)), True
        return max(points, key=lambda p: (p.routed_accuracy, p.coverage)), False
    limit = target.to_person if target.to_person is not None else 1.0
    meeting = [p for p in points if p.to_person <= limit]
    if meeting:
        return max(meeting, key=lambda p: (p.routed_accuracy, p.coverage, p.threshold)), True
    return min(points, key=lambda p: (p.to_person, -p.routed_accuracy)), False


def curve_lines(points: Sequence[Point]) -> list[str]:
    lines = [
        "threshold margin  coverage  routed accuracy  to a person  out-of-scope recall",
    ]
    for p in points:
        lines.append(
            f"{p.threshold:>9.2f} {p.margin:>6.2f}  {p.coverage:>8.1%}  {p.routed_accuracy:>15.1%}"
            f"  {p.to_person:>11.1%}  {p.oos_recall:>19.1%}"
        )
    return lines
