"""The lint's encoder fine-tuned on the compliance examples, and the semantic model over it, with
thresholds measured honestly.

MiniLM (its word embeddings frozen) learns the categories through a head of one logit per
category over the lint's readout (bot.encoder.readout), binary cross-entropy each, a clean
sentence all zeros. The head is thrown away: the served model is the same per-category logistic
regression as on the frozen encoder (bot.compliance.semantic), fitted on the tuned encoder's
vectors, so findings, thresholds and the nearest example work as before.

The thresholds need scores of sentences the whole pipeline never saw. A tuned encoder has seen
its training sentences, so the frozen path's cross-validation of the regressions alone would
flatter it. Here each of 5 folds fine-tunes its own encoder on the other 4/5, fits the
regressions on their vectors and scores the held-out 1/5; Platt scaling and both thresholds are
chosen on those out-of-fold scores (semantic.fit, as on the frozen path). Then the encoder is
fine-tuned on every example, exported to int8 (bot.encoder.exported), and the served regressions
fitted on its int8 vectors. Six fine-tunings: see `estimate_seconds`.

Measured by benchmarks/lint_quality.py --dev-only (2 epochs at 1e-4, patterns + model), tuning
raises cv category recall well above the frozen encoder's, and recall and precision with it, at
a small cost in dev precision; compliance.yaml's `semantic` comment gives the figures for the
current examples file (they move with every edit of it, so they are not repeated here). It
takes ten minutes or more on one thread (`estimate_seconds`). Its vectors come from the same
forward pass as the frozen encoder's, so a lint takes as long.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import StratifiedKFold
from tqdm.auto import tqdm

from bot.compliance import semantic
from bot.encoder.exported import OnnxEncoder, quantized
from bot.encoder.readout import LayersEncoder
from bot.encoder.sentence import Encoder
from bot.encoder.training import freeze_word_embeddings, length_batches, warmup_then_linear
from policies.compliance import LabelledExamples
from policies.compliance.schema import Semantic, Tuning

log = logging.getLogger(__name__)

HEAD_LR_FACTOR = 20.0  # the head starts from nothing: it must move faster than the encoder
TRAIN_SHARE = (semantic.FOLDS - 1) / semantic.FOLDS


def split(labels: np.ndarray, folds: int = semantic.FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training rows, held-out rows) of each fold. Multi-label: each example is stratified on
    its rarest category (clean ones on "clean"), so every fold holds some of every category,
    the rare ones included. Every example is held out exactly once."""
    counts = labels.sum(axis=0)
    rarest = np.argmin(np.where(labels, counts, np.iinfo(np.int64).max), axis=1)
    strata = np.where(labels.any(axis=1), rarest, -1)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    return list(splitter.split(np.zeros(len(strata)), strata))


def finetune(
    texts: Sequence[str], labels: np.ndarray, settings: Tuning, bar: tqdm | None = None
) -> Encoder:
    """A fresh copy of the base encoder, fine-tuned on `texts`; `bar` counts steps."""
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    encoder = Encoder()  # the base weights, never the shared copy that serves
    readout = LayersEncoder(encoder)
    head = torch.nn.Linear(readout.dim, labels.shape[1])
    trainable = freeze_word_embeddings(encoder.model)
    lr = settings.learning_rate
    optimizer = torch.optim.AdamW(
        [
            {"params": trainable, "lr": lr},
            {"params": head.parameters(), "lr": lr * HEAD_LR_FACTOR},
        ],
        weight_decay=0.01,
    )
    schedule = warmup_then_linear(optimizer, steps(len(texts), settings))
    targets = torch.from_numpy(labels.astype(np.float32))
    # Each category has ~50-230 positives in 1,980, weighted up to balance the negatives.
    # Scratch runs, 2 epochs lr 1e-4, cv category recall / dev precision: unweighted 0.349 (the
    # encoder learned to call nearly everything clean); weighted by the square root of
    # negatives to positives 0.807 / 0.946; balanced 0.847 / 0.952.
    positives = targets.sum(0).clamp(min=1.0)
    weight = (len(texts) - positives) / positives
    loss_of = torch.nn.BCEWithLogitsLoss(pos_weight=weight)
    encoder.model.train()
    for _ in range(settings.epochs):
        for batch in length_batches(list(texts), settings.batch_size, rng):
            vectors = readout.forward(encoder.tokenize([texts[i] for i in batch]))
            loss = loss_of(head(vectors), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            schedule.step()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    encoder.model.eval()
    return encoder


def steps(examples: int, settings: Tuning) -> int:
    return math.ceil(examples / settings.batch_size) * settings.epochs


def fold_scores(
    train_vectors: np.ndarray, train_labels: np.ndarray, held_vectors: np.ndarray
) -> np.ndarray:
    """(held rows, categories): the classifiers' scores of the held-out rows, fitted on the
    training rows only."""
    scores = np.zeros((len(held_vectors), train_labels.shape[1]))
    for index in range(train_labels.shape[1]):
        y = train_labels[:, index].astype(int)
        if 0 < y.sum() < len(y):
            fitted = semantic.classifier().fit(train_vectors, y)
            scores[:, index] = fitted.decision_function(held_vectors)
        else:  # a tiny example set may leave a fold without a category: nothing to score
            scores[:, index] = -10.0 if y.sum() == 0 else 10.0
    return scores


def out_of_fold(
    texts: Sequence[str], labels: np.ndarray, settings: Tuning, bar: tqdm | None = None
) -> np.ndarray:
    """(examples, categories): each example scored by a pipeline (encoder fine-tuned, then
    classifiers fitted) that never saw it."""
    held = np.zeros(labels.shape)
    folds = split(labels)
    for number, (train, held_out) in enumerate(folds, start=1):
        started = time.perf_counter()
        encoder = finetune([texts[i] for i in train], labels[train], settings, bar)
        readout = LayersEncoder(encoder)
        vectors = readout.embed([texts[i] for i in np.concatenate([train, held_out])])
        held[held_out] = fold_scores(vectors[: len(train)], labels[train], vectors[len(train) :])
        del encoder, readout  # ~90 MB each: one fold's copy at a time
        # The background worker's log (no progress bar there) says how far it is.
        log.info(
            "compliance.tuning_fold fold=%d/%d seconds=%.0f (then one more on every example)",
            number,
            len(folds),
            time.perf_counter() - started,
        )
    return held


def tune(
    examples: LabelledExamples,
    categories: Sequence[str],
    settings: Semantic,
    weights: Path,
    exports: Path,
    progress: bool = False,
) -> tuple[semantic.SemanticModel, OnnxEncoder]:
    """The tuned encoder's weights saved into `weights` (a Hugging Face model directory), its
    int8 export in `exports`, and the semantic model over its vectors, with thresholds from the
    in-fold pipeline's out-of-fold scores (its `held_out`, which the benchmark reports)."""
    texts = list(examples.texts)
    labels = semantic.labels_of(examples, categories)
    tuning = settings.tuning
    total = semantic.FOLDS * steps(round(len(texts) * TRAIN_SHARE), tuning)
    total += steps(len(texts), tuning)
    with tqdm(total=total, desc="fine-tuning", unit="step", disable=not progress) as bar:
        held = out_of_fold(texts, labels, tuning, bar)
        encoder = finetune(texts, labels, tuning, bar)
    encoder.model.save_pretrained(str(weights), safe_serialization=True)
    served = quantized(LayersEncoder(Encoder(weights=weights)), exports)
    vectors = served.embed(texts)
    model = semantic.fit(
        examples,
        categories,
        vectors,
        held,
        settings.target_precision,
        settings.added_category_precision,
    )
    return model, served


def estimate_seconds(examples: LabelledExamples, settings: Tuning) -> float:
    """About how long `tune` takes here: times the forward pass on a sample. A training step
    (word embeddings frozen, batches of 16) costs about two forward passes (with three this said
    895 s where the 1,980 examples took 525 s, one thread); each fold also embeds every example,
    and the export takes ~20 s."""
    texts = list(examples.texts)
    sample = [texts[int(i)] for i in np.linspace(0, len(texts) - 1, min(64, len(texts)))]
    readout = LayersEncoder(Encoder())
    started = time.perf_counter()
    readout.embed(sample)
    per_text = (time.perf_counter() - started) / len(sample)
    trained = (semantic.FOLDS * TRAIN_SHARE + 1) * len(texts) * settings.epochs
    embedded = (semantic.FOLDS + 1) * len(texts)
    return per_text * (2 * trained + embedded) + 20.0
