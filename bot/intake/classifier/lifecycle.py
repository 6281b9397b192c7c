"""The model's life in the bot: the default model trained from the policy at start, and retraining
on people's corrections with promotion only when the new model is not worse.

Both recipes, the current model's (the policy's examples plus the corrections it was trained on)
and the candidate's (plus the corrections confirmed since), are judged by k-fold cross-validation
on the same folds of the policy's own examples: each example is predicted by models of both
recipes that did not see it. Corrections always go into training: they are few and they are real
traffic. A retrain whose corrections teach it to mislabel what the team wrote down loses.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.intake.classifier.calibration import fit_temperature, softmax
from bot.intake.classifier.crossval import Recipe, fold_count, score, text_key
from bot.intake.classifier.model import IntakeModel
from bot.intake.classifier.sources import read_examples
from bot.intake.classifier.store import CORRECTIONS, ModelMeta, is_model_dir, publish
from bot.intake.classifier.training import model_version, out_of_fold, train_examples
from policies.intake_schema import OUT_OF_SCOPE, Settings

log = logging.getLogger(__name__)
Example = tuple[str, str]


@dataclass(frozen=True)
class PromotionResult:
    promoted: bool
    current_score: float | None  # None: there was no current model
    candidate_score: float
    candidate_version: str
    current_version: str | None
    scored_size: int  # policy examples each recipe predicted out of fold
    folds: int
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
    move it to `current_dir` only if its cross-validated score is at least the current recipe's
    on the same folds. A refused candidate stays in `candidate_dir` for inspection."""
    current_dir, candidate_dir = Path(current_dir), Path(candidate_dir)
    source = read_examples(intake_yaml)
    known = {label for _, label in source.examples}
    usable = [(text, label) for text, label in corrections if label in known]
    current = IntakeModel.load(current_dir) if is_model_dir(current_dir) else None
    current_corrections = [
        (text, label) for text, label in stored_corrections(current_dir) if label in known
    ]
    # Scored: the policy's examples that neither recipe's corrections relabel.
    relabelled = {text_key(text) for text, _ in [*usable, *current_corrections]}
    scored = Recipe.of(source.examples).scored(relabelled)
    candidate_score, folds = cv_score(
        Recipe.of(source.examples, usable), scored, source.settings, progress
    )
    current_score = (
        cv_score(
            Recipe.of(source.examples, current_corrections), scored, source.settings, progress
        )[0]
        if current is not None
        else None
    )
    candidate = train_examples(
        source.examples,
        candidate_dir,
        source.settings,
        source.urgency,
        progress=progress,
        always_train=usable,
        source_version=model_version(source.examples, source.settings, source.urgency),
    )
    promoted = current_score is None or candidate_score >= current_score
    if promoted:
        publish(candidate_dir, current_dir)
        shutil.rmtree(candidate_dir, ignore_errors=True)
    log.info(
        "intake retrain: candidate %s scored %.4f, current %s scored %s (%d-fold): %s",
        candidate.version,
        candidate_score,
        current.version if current else None,
        "n/a" if current_score is None else f"{current_score:.4f}",
        folds,
        "promoted" if promoted else "kept the current model",
    )
    return PromotionResult(
        promoted=promoted,
        current_score=current_score,
        candidate_score=candidate_score,
        candidate_version=candidate.version,
        current_version=current.version if current else None,
        scored_size=len(scored),
        folds=folds,
        skipped_corrections=len(corrections) - len(usable),
    )


def cv_score(
    recipe: Recipe, scored: Sequence[Example], settings: Settings, progress: bool = False
) -> tuple[float, int]:
    """(share of `scored` right out of fold, folds) for a model trained from `recipe`."""
    everything = recipe.everything
    labels = sorted({label for _, label in everything} - {OUT_OF_SCOPE})
    has_oos = any(label == OUT_OF_SCOPE for _, label in everything)
    classes = [*labels, OUT_OF_SCOPE] if has_oos else labels
    logits, _ = out_of_fold(everything, scored, classes, settings.training, progress)
    index = {name: i for i, name in enumerate(classes)}
    truth = [label for _, label in scored]
    known = [i for i, label in enumerate(truth) if label in index]
    temperature = fit_temperature(logits[known], np.array([index[truth[i]] for i in known]))
    probs = softmax(logits, temperature)
    folds = fold_count(scored, settings.training.calibration_folds)
    return score(probs, classes, truth, settings.confidence_threshold, settings.margin), folds


def stored_corrections(model_dir: Path) -> list[Example]:
    """The corrections a model directory was trained on ([] for none, or an older model)."""
    try:
        rows = json.loads((model_dir / CORRECTIONS).read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [(str(text), str(label)) for text, label in rows]
