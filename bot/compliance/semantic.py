"""The compliance lint's semantic layer: a calibrated classifier per category over MiniLM sentence
embeddings, trained on the labelled sentences the rules name (policies/compliance_examples.yaml).
The embeddings are MiniLM's layers 3-6, each mean pooled, averaged, beside its last layer pooled
(bot.encoder.readout, 768 dimensions), not its last layer alone: on benchmarks/lint_quality.py
(int8 path) that raised cross-validated category recall and recall at the same precision, and
kept dev precision. (Layers 3-6 alone raised recall further but added a wrong extra category to
a plain financial promise, or cost dev precision at a higher C.) The encoder fine-tuned on the
examples (bot.compliance.tuning, `semantic.encoder: tuned`) raises cv category recall again.
Those comparisons were measured on an earlier, smaller examples file; the current figures are
the ones compliance.yaml's `semantic` comment and the README's lint_quality row give, and
benchmarks/lint_quality.py --dev-only prints them.

Patterns miss a claim phrased without their trigger words ("Tom from Denver says it changed his
life" is a testimonial; "your capital is fully protected" a financial promise). The model reads
each sentence of the text and finds a category when its calibrated probability reaches the
category's threshold. Patterns stay the first layer, for explainability; a model finding names
its sentence, its probability and the nearest labelled example of its category.

Per category: logistic regression on the embeddings (every sentence not labelled with the
category is a negative), Platt-scaled on 5-fold out-of-fold scores (what sklearn's
CalibratedClassifierCV(ensemble=False) does), and the threshold is the lowest calibrated score at
which those out-of-fold findings were at least `semantic.target_precision` precise against clean
sentences (one that makes another claim goes to review anyway), never below 0.5.

A sentence the patterns flagged is read too, for the categories they did not find ("I made $4,200
in a month" — Jo: the money is a pattern's, the testimonial the model's), at a second threshold
per category: the lowest at which the out-of-fold findings were `semantic.added_category_precision`
precise against every sentence without the category, claims of other categories included. A wrong
extra category sends the brief to an extra approver, and against clean sentences only the model
confused categories: its extra categories on flagged sentences were right less than half the
time on cross-validation. With the stricter threshold, measured on the examples split in halves
(chosen on one half, judged on the other's flagged sentences, ten splits), they were right 84%
of the time and found about a fifth of the second categories the patterns missed (figures of
the earlier, smaller examples file; lint_quality prints the current "categories the model added
to flagged sentences" for cv and each dev set).

Training embeds every example and fits six logistic regressions per category (~20 s on two
cores at a load of 8), so the trained model is kept on disk under the examples' hash
(MOPSBOT_CACHE_DIR, default ~/.cache/mopsbot) and in memory; a brief's sentences are embedded in
one call, each sentence's vector kept (bot.encoder.cache).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sentencex import segment
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from bot.compliance.per_rules import once_per_rules
from policies.compliance import ComplianceRules, Finding, LabelledExamples

log = logging.getLogger(__name__)

Embed = Callable[[Sequence[str]], np.ndarray]

FOLDS = 5
MIN_WORDS = 2  # "Thanks!" says nothing the model can judge
FORMAT = "4"  # bump when the cached arrays change meaning
_DASHES = "—–-"


@dataclass(frozen=True)
class CategoryFit:
    """How one category's classifier did on its examples' out-of-fold scores, at its threshold."""

    name: str
    threshold: float
    examples: int
    cv_precision: float
    cv_recall: float
    added_threshold: float  # for a sentence the patterns flagged with other categories


@dataclass(frozen=True)
class SemanticModel:
    categories: tuple[str, ...]
    coef: np.ndarray  # (categories, dim)
    intercept: np.ndarray  # (categories,)
    platt: np.ndarray  # (categories, 2): probability = sigmoid(a * score + b)
    thresholds: np.ndarray  # (categories,)
    added_thresholds: np.ndarray  # (categories,): on sentences the patterns flagged
    fits: tuple[CategoryFit, ...]
    vectors: np.ndarray  # (examples, dim): for the nearest example
    texts: tuple[str, ...]
    labels: np.ndarray  # (examples, categories) bool
    held_out: np.ndarray  # (examples, categories): 5-fold out-of-fold probabilities, for reports

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        scores = vectors @ self.coef.T + self.intercept
        return 1.0 / (1.0 + np.exp(-(self.platt[:, 0] * scores + self.platt[:, 1])))

    def nearest(self, vector: np.ndarray, category: int) -> str:
        """The labelled example of `category` most like `vector` (cosine: vectors are unit)."""
        rows = np.flatnonzero(self.labels[:, category])
        return self.texts[rows[int(np.argmax(self.vectors[rows] @ vector))]]

    def fit_of(self, name: str) -> CategoryFit:
        return self.fits[self.categories.index(name)]


def train(
    examples: LabelledExamples,
    categories: Sequence[str],
    target_precision: float,
    embed: Embed,
    added_precision: float = 0.95,
) -> SemanticModel:
    """The model on the frozen encoder's vectors: thresholds from 5-fold out-of-fold scores of
    the classifiers alone (the encoder never saw the examples, so nothing else can leak)."""
    vectors = np.asarray(embed(list(examples.texts)), dtype=np.float32)
    labels = labels_of(examples, categories)
    return fit(
        examples,
        categories,
        vectors,
        out_of_fold_scores(vectors, labels),
        target_precision,
        added_precision,
    )


def labels_of(examples: LabelledExamples, categories: Sequence[str]) -> np.ndarray:
    """(examples, categories) bool: which categories each example claims."""
    return np.array([[c in claimed for c in categories] for claimed in examples.labels])


def classifier() -> LogisticRegression:
    # liblinear: the same fit as lbfgs here (mean |score| within 0.3%), ten times faster
    # (0.2 s against 2 s a fit on two busy cores), and training makes 54 of them.
    return LogisticRegression(C=4.0, class_weight="balanced", solver="liblinear", max_iter=2000)


def out_of_fold_scores(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(examples, categories): each example's classifier score from a classifier fitted on the
    other folds (per category, folds stratified on that category)."""
    scores = np.zeros(labels.shape, dtype=np.float64)
    for index in range(labels.shape[1]):
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
        y = labels[:, index].astype(int)
        scores[:, index] = cross_val_predict(
            classifier(), vectors, y, cv=folds, method="decision_function"
        )
    return scores


def fit(
    examples: LabelledExamples,
    categories: Sequence[str],
    vectors: np.ndarray,
    held_scores: np.ndarray,
    target_precision: float,
    added_precision: float,
) -> SemanticModel:
    """The served model: per category, Platt scaling and both thresholds chosen on
    `held_scores` (out-of-fold: each from a pipeline that never saw its example), and a
    classifier fitted on every example's `vectors` (the encoder's that will serve)."""
    labels = labels_of(examples, categories)
    coef, intercept, platt, thresholds, added, fits, held = [], [], [], [], [], [], []
    clean = ~labels.any(axis=1)
    for index, name in enumerate(categories):
        y = labels[:, index].astype(int)
        held_out = held_scores[:, index]
        scaler = LogisticRegression(C=1e4).fit(held_out.reshape(-1, 1), y)
        a, b = float(scaler.coef_[0, 0]), float(scaler.intercept_[0])
        probability = 1.0 / (1.0 + np.exp(-(a * held_out + b)))
        # Precision against clean copy: a sentence making another claim goes to review anyway.
        counted = (y == 1) | clean
        threshold, precision, recall = choose_threshold(
            probability[counted], y[counted], target_precision
        )
        added_threshold = choose_threshold(probability, y, added_precision)[0]
        held.append(probability)
        final = classifier().fit(vectors, y)
        coef.append(final.coef_[0])
        intercept.append(float(final.intercept_[0]))
        platt.append((a, b))
        thresholds.append(threshold)
        added.append(added_threshold)
        fits.append(CategoryFit(name, threshold, int(y.sum()), precision, recall, added_threshold))
    return SemanticModel(
        categories=tuple(categories),
        coef=np.array(coef, dtype=np.float32),
        intercept=np.array(intercept, dtype=np.float32),
        platt=np.array(platt, dtype=np.float64),
        thresholds=np.array(thresholds, dtype=np.float64),
        added_thresholds=np.array(added, dtype=np.float64),
        fits=tuple(fits),
        vectors=np.asarray(vectors, dtype=np.float32),
        texts=examples.texts,
        labels=labels,
        held_out=np.array(held).T,
    )


def choose_threshold(
    probability: np.ndarray, y: np.ndarray, target_precision: float
) -> tuple[float, float, float]:
    """(threshold, precision, recall) on held-out scores: the lowest threshold >= 0.5 whose
    findings are at least `target_precision` precise; above every score (the category is left
    to the patterns) when none is."""
    best = (float(np.nextafter(max(1.0, probability.max()), 2.0)), 1.0, 0.0)
    positives = max(int(y.sum()), 1)
    for threshold in sorted({float(p) for p in probability if p >= 0.5}, reverse=True):
        found = probability >= threshold
        precision = float(y[found].mean())
        if precision >= target_precision:
            best = (threshold, precision, float(y[found].sum()) / positives)
    return best


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line of `text` with at least MIN_WORDS words.

    Sentence ends are sentencex's (as the channel variants split), so an abbreviation does not
    end one ("Dr. Patel, a cardiologist, recommends it" stays whole). A dash after a sentence on
    the same line starts its attribution (“It works.” — Amy, Leeds), which stays with the
    sentence: the name is what makes it a testimonial."""
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        pieces = list(segment("en", line))
        if "".join(pieces) != line:  # sentencex cuts a line into consecutive slices; if not, whole
            pieces = [line]
        at = line_start
        for piece in pieces:
            at += len(piece)
            stripped = piece.strip()
            if not stripped:
                continue
            begin = at - len(piece.lstrip())
            end = begin + len(stripped)
            if spans and text[begin] in _DASHES and spans[-1][0] >= line_start:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((begin, end))
        line_start += len(line) + 1
    return [(a, b) for a, b in spans if len(text[a:b].split()) >= MIN_WORDS]


def find(
    model: SemanticModel,
    rules: ComplianceRules,
    text: str,
    vectors: Embed,
    flagged: Sequence[Finding] = (),
    model_name: str | None = None,
) -> list[Finding]:
    """The model's findings in `text`: one per sentence and category over its threshold.
    A sentence overlapping a finding of `flagged` (the patterns') is judged at the stricter added
    thresholds, and only for the categories the patterns did not find in it. Each finding names
    `model_name` as the model that found it (bot.compliance.layers.Reader.name)."""
    spans = sentences(text)
    if not spans:
        return []
    embedded = vectors([text[start:end] for start, end in spans])
    probability = model.probabilities(embedded)
    over = np.empty(probability.shape, dtype=bool)
    for row, (start, end) in enumerate(spans):
        already = {f.category for f in flagged if start < f.end and f.start < end}
        cut = model.added_thresholds if already else model.thresholds
        over[row] = (probability[row] >= cut) & [c not in already for c in model.categories]
    found = []
    for row, column in zip(*np.nonzero(over), strict=True):
        start, end = spans[row]
        name = model.categories[column]
        category = rules.categories[name]
        found.append(
            Finding(
                category=name,
                label=category.label,
                start=start,
                end=end,
                matched=text[start:end],
                severity=category.severity,
                guidance=category.guidance,
                approver_stage=category.approver_stage,
                layer="model",
                score=float(probability[row, column]),
                nearest=model.nearest(embedded[row], column),
                model=model_name,
            )
        )
    return found


# --- the trained model, kept on disk and in memory under the examples' hash ---------------------

_lock = threading.Lock()
_models: dict[str, SemanticModel] = {}


def cache_dir() -> Path:
    configured = os.environ.get("MOPSBOT_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "mopsbot"


@once_per_rules  # named on every lint
def model_key(rules: ComplianceRules, encoder_id: str) -> str | None:
    if rules.semantic is None or rules.examples is None:
        return None
    semantic = rules.semantic
    setup = (
        f"{','.join(rules.categories)} {semantic.target_precision} "
        f"{semantic.added_category_precision} {encoder_id}"
    )
    return f"{_examples_key(rules.examples)}{hashlib.sha256(setup.encode()).hexdigest()[:8]}"


def _examples_key(examples: LabelledExamples) -> str:
    """The start of model_key: the cache format and the examples' version."""
    return f"{FORMAT}-{examples.version}-"


def loaded(rules: ComplianceRules) -> bool:
    """True when a model of these rules' examples is in memory (for the encoder the lint uses:
    a process has one). Read without the lock, which a load or a training holds: whoever asks
    must not wait for it."""
    if rules.examples is None:
        return False
    prefix = _examples_key(rules.examples)
    return any(key.startswith(prefix) for key in list(_models))


def model_for(rules: ComplianceRules, embed: Embed, encoder_id: str) -> SemanticModel | None:
    """The trained model of these rules (None when they have no semantic layer): from memory,
    else from the disk cache, else trained now and cached."""
    key = model_key(rules, encoder_id)
    if key is None:
        return None
    with _lock:
        if key not in _models:
            _models[key] = _load(key, rules) or _train_and_keep(key, rules, embed)
        return _models[key]


def _train_and_keep(key: str, rules: ComplianceRules, embed: Embed) -> SemanticModel:
    assert rules.semantic is not None and rules.examples is not None
    settings = rules.semantic
    model = train(
        rules.examples,
        list(rules.categories),
        settings.target_precision,
        embed,
        added_precision=settings.added_category_precision,
    )
    path = model_path(key)
    try:
        save(model, path)
    except OSError as exc:
        log.warning("compliance.model_not_cached path=%s error=%s", path, exc)
    return model


def save(model: SemanticModel, path: Path) -> None:
    """`model` into `path` (.npz), whole or not at all: written aside, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as out:
        np.savez(
            out,
            coef=model.coef,
            intercept=model.intercept,
            platt=model.platt,
            thresholds=model.thresholds,
            added_thresholds=model.added_thresholds,
            vectors=model.vectors,
            held_out=model.held_out,
            fits=np.array([[f.examples, f.cv_precision, f.cv_recall] for f in model.fits]),
        )
    os.replace(out.name, path)  # readers never see half a file


def model_path(key: str) -> Path:
    """Where the model of `key` (model_key) is kept: its trainer, its reader and the cache's
    tidying (bot.compliance.cache_files) name it here."""
    return cache_dir() / f"compliance-model-{key}.npz"


def _load(key: str, rules: ComplianceRules) -> SemanticModel | None:
    if rules.examples is None:
        return None
    path = model_path(key)
    return read(path, tuple(rules.categories), rules.examples)


def read(
    path: Path, categories: tuple[str, ...], examples: LabelledExamples
) -> SemanticModel | None:
    """The model saved in `path` for these categories and examples; None (one log line when the
    file is there but unusable) otherwise."""
    if not path.is_file():
        return None
    try:
        with np.load(path) as saved:
            arrays = {name: saved[name] for name in saved.files}
    except (OSError, ValueError, KeyError) as exc:
        log.warning("compliance.model_cache_unreadable path=%s error=%s", path, exc)
        return None
    try:
        return _model_from(arrays, categories, examples)
    except (KeyError, ValueError) as exc:
        log.warning("compliance.model_cache_unreadable path=%s error=%s", path, exc)
        return None


def _model_from(
    arrays: dict[str, np.ndarray], categories: tuple[str, ...], examples: LabelledExamples
) -> SemanticModel:
    if arrays["vectors"].shape[0] != len(examples.texts):
        raise ValueError("the cached model has another number of examples")
    fits = tuple(
        CategoryFit(name, float(t), int(row[0]), float(row[1]), float(row[2]), float(added))
        for name, t, row, added in zip(
            categories,
            arrays["thresholds"],
            arrays["fits"],
            arrays["added_thresholds"],
            strict=True,
        )
    )
    return SemanticModel(
        categories=categories,
        coef=arrays["coef"],
        intercept=arrays["intercept"],
        platt=arrays["platt"],
        thresholds=arrays["thresholds"],
        added_thresholds=arrays["added_thresholds"],
        fits=fits,
        vectors=arrays["vectors"],
        texts=examples.texts,
        labels=np.array([[c in claimed for c in categories] for claimed in examples.labels]),
        held_out=arrays["held_out"],
    )
