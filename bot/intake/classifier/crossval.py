"""k-fold cross-validation: every example trains the final model, and each is also predicted once
by a model that did not see it (its out-of-fold prediction). Those predictions fit the
temperature, choose the threshold and margin, estimate accuracy, and judge a retrain.

Folds are fixed by the texts the team wrote (the curated examples): within each label, ordered by
a hash of the text and dealt round-robin. Two recipes trained from the same policy (the current
model and a retrain with more corrections) are therefore scored on exactly the same folds.
People's corrections train in every fold and are never scored: a retrain is judged on the labels
the team wrote down.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from bot.intake.classifier.calibration import text_bucket
from bot.intake.classifier.model import decide
from policies.intake_schema import OUT_OF_SCOPE

Example = tuple[str, str]


def text_key(text: str) -> str:
    return " ".join(text.casefold().split())


def deduplicated(examples: Sequence[Example]) -> list[Example]:
    """One label per text; a later example (a person's correction) overrides an earlier one."""
    latest: dict[str, Example] = {}
    for text, label in examples:
        text = text.strip()
        if text:
            latest[text_key(text)] = (text, label)
    return list(latest.values())


@dataclass(frozen=True)
class Recipe:
    """What a model is trained from: the curated examples (scored by cross-validation) and
    people's corrections (always trained on, never scored)."""

    curated: list[Example]
    corrections: list[Example]

    @classmethod
    def of(cls, examples: Sequence[Example], corrections: Sequence[Example] = ()) -> Recipe:
        extra = deduplicated(corrections)
        overridden = {text_key(text) for text, _ in extra}
        curated = [e for e in deduplicated(examples) if text_key(e[0]) not in overridden]
        return cls(curated, extra)

    @property
    def everything(self) -> list[Example]:
        return [*self.curated, *self.corrections]

    def scored(self, exclude: Collection[str] = ()) -> list[Example]:
        """The curated examples to score, less texts another recipe's corrections relabel."""
        return [e for e in self.curated if text_key(e[0]) not in exclude]


def assign_folds(examples: Sequence[Example], folds: int) -> np.ndarray:
    """The fold of each example: per label, in text-hash order, dealt round-robin. The smallest
    label caps the number of folds so that every fold trains on every label."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, (_, label) in enumerate(examples):
        by_label[label].append(i)
    assignment = np.zeros(len(examples), dtype=np.int64)
    for members in by_label.values():
        ranked = sorted(members, key=lambda i: text_bucket(examples[i][0]))
        for position, i in enumerate(ranked):
            assignment[i] = position % folds
    return assignment


def fold_count(examples: Sequence[Example], wanted: int) -> int:
    counts: dict[str, int] = defaultdict(int)
    for _, label in examples:
        counts[label] += 1
    return max(2, min(wanted, min(counts.values(), default=2)))


def score(
    probs: np.ndarray, classes: Sequence[str], truth: Sequence[str], threshold: float, margin: float
) -> float:
    """Share right: the top label for an in-scope example; for an out-of-scope one, the
    out-of-scope class or (a model without it) asking a person."""
    if len(truth) == 0:
        return 0.0
    right = []
    for row, label in zip(probs, truth, strict=True):
        top = classes[int(np.argmax(row))]
        if label == OUT_OF_SCOPE and OUT_OF_SCOPE not in classes:
            right.append(decide(row, classes, threshold, margin)[3] != "confident")
        else:
            right.append(top == label)
    return float(np.mean(right))
