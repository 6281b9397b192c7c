"""The model's life in the bot: the default model trained from the policy at start, and retraining
on people's corrections with promotion only when the new model is not worse.

Both models are judged on the same held-out split of the policy's own examples (chosen by text
hash, so neither trained on it). Corrections always go into training: they are few and they are
real traffic. A retrain whose corrections teach it to mislabel what the team wrote down loses.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.intake.classifier.model import IntakeModel, decide
from bot.intake.classifier.sources import read_examples
from bot.intake.classifier.store import ModelMeta, is_model_dir, publish
from bot.intake.classifier.training import model_version, split_for_training, train_examples
from policies.intake_schema import OUT_OF_SCOPE

log = logging.getLogger(__name__)
Example = tuple[str, str]


@dataclass(frozen=True)
class PromotionResult:
    promoted: bool
    current_score: float | None  # None: there was no current model
    candidate_score: float
    candidate_version: str
    current_version: str | None
    holdout_size: int
    skipped_corrections: int  # labels the policy no longer has


def train_from_policy(
    intake_yaml: Path | str,
    out_dir: Path | str,
    extra_examples: Sequence[Example] = (),
    progress: bool = True,
) -> IntakeModel:
    """Train on the policy's examples (YAML, or a `text,label` CSV) plus `extra_examples`."""
    source = read_examples(intake_yaml)
    return train_examples(
        source.examples,
        out_dir,
        source.settings,
        source.urgency,
        progress=progress,
        always_train=extra_examples,
        source_version=model_version(source.examples, source.settings, source.urgency),
    )


def ensure_default_model(
    intake_yaml: Path | str,
    model_dir: Path | str,
    extra_examples: Sequence[Example] = (),
    progress: bool = True,
) -> IntakeModel:
    """Load the model in `model_dir`, training it first when it is missing or was trained from
    other policy examples or settings (a retrained model keeps its corrections until then)."""
    model_dir = Path(model_dir)
    source = read_examples(intake_yaml)
    wanted = model_version(source.examples, source.settings, source.urgency)
    if is_model_dir(model_dir):
        try:
            if ModelMeta.read(model_dir).source_version == wanted:
                return IntakeModel.load(model_dir)
        except (ValueError, TypeError, KeyError) as exc:  # an older format: retrain
            log.warning("intake model in %s is unreadable (%s); retraining", model_dir, exc)
    log.info("training the intake model from %s into %s", intake_yaml, model_dir)
    return train_from_policy(intake_yaml, model_dir, extra_examples, progress=progress)


def retrain_and_maybe_promote(
    intake_yaml: Path | str,
    corrections: Sequence[Example],
    current_dir: Path | str,
    candidate_dir: Path | str,
    progress: bool = False,
) -> PromotionResult:
    """Train a candidate on the policy examples plus confirmed corrections into `candidate_dir`;
    move it to `current_dir` only if it scores at least as well as the current model there on
    the held-out split. A refused candidate stays in `candidate_dir` for inspection."""
    current_dir, candidate_dir = Path(current_dir), Path(candidate_dir)
    source = read_examples(intake_yaml)
    fraction = source.settings.training.holdout_fraction
    if fraction <= 0:
        raise ValueError("retraining needs settings.training.holdout_fraction > 0 to judge models")
    known = {label for _, label in source.examples}
    usable = [(text, label) for text, label in corrections if label in known]
    candidate = train_examples(
        source.examples,
        candidate_dir,
        source.settings,
        source.urgency,
        progress=progress,
        always_train=usable,
        source_version=model_version(source.examples, source.settings, source.urgency),
    )
    held = split_for_training(source.examples, usable, fraction)[1]
    candidate_score = holdout_score(candidate, held)
    current = IntakeModel.load(current_dir) if is_model_dir(current_dir) else None
    current_score = holdout_score(current, held) if current is not None else None
    promoted = current_score is None or candidate_score >= current_score
    if promoted:
        publish(candidate_dir, current_dir)
        shutil.rmtree(candidate_dir, ignore_errors=True)
    log.info(
        "intake retrain: candidate %s scored %.4f, current %s scored %s: %s",
        candidate.version,
        candidate_score,
        current.version if current else None,
        "n/a" if current_score is None else f"{current_score:.4f}",
        "promoted" if promoted else "kept the current model",
    )
    return PromotionResult(
        promoted=promoted,
        current_score=current_score,
        candidate_score=candidate_score,
        candidate_version=candidate.version,
        current_version=current.version if current else None,
        holdout_size=len(held),
        skipped_corrections=len(corrections) - len(usable),
    )


def holdout_score(model: IntakeModel, held: Sequence[Example]) -> float:
    """Share of held-out examples the model gets right: the top label for an in-scope example;
    for an out-of-scope one, the out-of-scope class or (a model without it) asking a person."""
    if not held:
        return 0.0
    probs = model.probabilities([text for text, _ in held])
    right = []
    for (_, truth), row in zip(held, probs, strict=True):
        top = model.classes[int(np.argmax(row))]
        if truth == OUT_OF_SCOPE and OUT_OF_SCOPE not in model.classes:
            right.append(
                decide(row, model.classes, model.threshold, model.margin)[3] != "confident"
            )
        else:
            right.append(top == truth)
    return float(np.mean(right))
