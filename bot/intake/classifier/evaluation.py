"""How good is a model on labelled examples: the numbers `mopsbot intake eval` prints.

In-scope examples carry one of the model's labels; out-of-scope ones carry `out_of_scope` (or
whatever `oos_label` names). "At the threshold" means what the bot would do: route on its own,
or ask a person (low confidence, close call, out of scope).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.intake.classifier.calibration import expected_calibration_error
from bot.intake.classifier.model import IntakeModel, decide
from policies.intake_schema import OUT_OF_SCOPE


@dataclass(frozen=True)
class EvalReport:
    in_scope: int
    out_of_scope: int
    accuracy: float  # top-1 on in-scope examples, no threshold
    macro_f1: float  # over the in-scope labels, top-1, no threshold
    oos_recall: float  # out-of-scope examples sent to a person
    ece: float  # calibration error of the top class, on examples whose label the model knows
    coverage: float  # in-scope examples routed without asking
    accuracy_at_threshold: float  # of those routed, how many were right
    in_scope_accuracy: float  # routed and right / all in-scope (Larson et al.'s in-scope accuracy)
    threshold: float
    margin: float

    def summary(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in self.__dict__.items()}

    def lines(self) -> list[str]:
        return [
            f"examples            {self.in_scope} in scope, {self.out_of_scope} out of scope",
            f"accuracy            {self.accuracy:.2%}  (top-1, in scope, no threshold)",
            f"macro-F1            {self.macro_f1:.4f}",
            f"out-of-scope recall {self.oos_recall:.2%}  (sent to a person)",
            f"calibration error   {self.ece:.4f}  (ECE, 15 bins)",
            f"at threshold {self.threshold:.2f}, margin {self.margin:.2f}:",
            f"  coverage          {self.coverage:.2%}  (in scope, routed without asking)",
            f"  accuracy          {self.accuracy_at_threshold:.2%}  (of those routed)",
            f"  in-scope accuracy {self.in_scope_accuracy:.2%}  (routed and right / all in scope)",
        ]


def evaluate(
    model: IntakeModel,
    examples: Sequence[tuple[str, str]],
    threshold: float | None = None,
    margin: float | None = None,
    oos_label: str = OUT_OF_SCOPE,
    probs: np.ndarray | None = None,
) -> EvalReport:
    """`probs` (calibrated, in `model.classes` order) skips the encoder when already computed."""
    from sklearn.metrics import f1_score  # here, not at the top: it adds ~1 s to the bot's start

    threshold = model.threshold if threshold is None else threshold
    margin = model.margin if margin is None else margin
    truth = [OUT_OF_SCOPE if label == oos_label else label for _, label in examples]
    if probs is None:
        probs = model.probabilities([text for text, _ in examples])
    decisions = [decide(row, model.classes, threshold, margin) for row in probs]
    top = [model.classes[i] for i in probs.argmax(axis=1)]
    inside = np.array([label != OUT_OF_SCOPE for label in truth])
    right = np.array([t == p for t, p in zip(truth, top, strict=True)])
    asks = np.array([reason != "confident" for _, _, _, reason in decisions])
    routed_right = right & ~asks
    known = np.array([label in model.classes for label in truth])
    in_truth = [t for t, i in zip(truth, inside, strict=True) if i]
    in_top = [p for p, i in zip(top, inside, strict=True) if i]
    routed = inside & ~asks
    return EvalReport(
        in_scope=int(inside.sum()),
        out_of_scope=int((~inside).sum()),
        accuracy=_mean(right[inside]),
        macro_f1=float(
            f1_score(
                in_truth, in_top, labels=sorted(set(in_truth)), average="macro", zero_division=0
            )
        )
        if in_truth
        else 0.0,
        oos_recall=_mean(asks[~inside]),
        ece=expected_calibration_error(probs.max(axis=1)[known], right[known]),
        coverage=_mean(routed[inside]),
        accuracy_at_threshold=_mean(right[routed]),
        in_scope_accuracy=_mean(routed_right[inside]),
        threshold=threshold,
        margin=margin,
    )


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else 0.0
