"""A loaded intake model: text in, a calibrated label (or "ask a person") out.

The decision rule, in order: the out-of-scope class wins -> a person decides (out_of_scope); the
top probability is under the threshold -> a person confirms (low_confidence); the top two are
closer than the margin -> a person confirms (close_call); otherwise the label routes itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from bot.encoder.sentence import WEIGHTS_DIR, Encoder
from bot.encoder.shared import shared_encoder
from bot.intake.classifier.calibration import softmax
from bot.intake.classifier.head import SoftmaxHead
from bot.intake.classifier.store import HEAD, ModelMeta
from bot.intake.urgency import UrgencyDetector
from policies.intake_schema import OUT_OF_SCOPE

Reason = Literal["confident", "low_confidence", "close_call", "out_of_scope"]


def base_encoder() -> Encoder:
    """One frozen base encoder per process, shared by every model that did not fine-tune it."""
    return shared_encoder()


@dataclass(frozen=True)
class Classification:
    label: str | None  # None: out of scope; otherwise the best label, confirmed or not
    confidence: float  # calibrated probability of the top class
    top3: list[tuple[str, float]]  # the three likeliest labels (never `out_of_scope`)
    needs_confirmation: bool
    reason: Reason
    urgent: bool
    model_version: str = ""
    urgency_cues: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "top3": [[label, round(p, 4)] for label, p in self.top3],
            "needs_confirmation": self.needs_confirmation,
            "reason": self.reason,
            "urgent": self.urgent,
            "model_version": self.model_version,
        }


def decide(
    probs: np.ndarray, classes: Sequence[str], threshold: float, margin: float
) -> tuple[str | None, float, list[tuple[str, float]], Reason]:
    """(label, confidence, top3, reason) for one row of calibrated probabilities."""
    order = np.argsort(-probs)
    top = classes[order[0]]
    confidence = float(probs[order[0]])
    second = float(probs[order[1]]) if len(order) > 1 else 0.0
    top3 = [(classes[i], float(probs[i])) for i in order if classes[i] != OUT_OF_SCOPE][:3]
    if top == OUT_OF_SCOPE:
        return None, confidence, top3, "out_of_scope"
    if confidence < threshold:
        return top, confidence, top3, "low_confidence"
    if confidence - second < margin:
        return top, confidence, top3, "close_call"
    return top, confidence, top3, "confident"


class IntakeModel:
    def __init__(self, meta: ModelMeta, head: SoftmaxHead, encoder: Encoder) -> None:
        self.meta = meta
        self.head = head
        self.encoder = encoder
        self.version: str = meta.version
        self.labels: list[str] = list(meta.labels)
        self.classes: list[str] = list(meta.classes)
        self.temperature = float(meta.temperature)
        self._urgency = UrgencyDetector(
            meta.urgency.get("extra_cues", []), meta.urgency.get("extra_calm", [])
        )

    @classmethod
    def load(cls, directory: Path | str) -> IntakeModel:
        directory = Path(directory)
        meta = ModelMeta.read(directory)
        head = SoftmaxHead.load(directory / HEAD)
        encoder = Encoder(directory / WEIGHTS_DIR) if meta.finetuned_encoder else base_encoder()
        return cls(meta, head, encoder)

    @property
    def threshold(self) -> float:
        return self.meta.confidence_threshold

    @property
    def margin(self) -> float:
        return self.meta.margin

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities, one row per text, columns in `self.classes` order."""
        return softmax(self.head.logits(self.encoder.embed(list(texts))), self.temperature)

    def classify(
        self, text: str, threshold: float | None = None, margin: float | None = None
    ) -> Classification:
        with torch.inference_mode():
            vector = self.encoder.forward(self.encoder.tokenize([text]))
            logits = self.head.logits_torch(vector)[0].numpy()
        return self._decision(text, softmax(logits, self.temperature), threshold, margin)

    def classify_batch(
        self, texts: Sequence[str], threshold: float | None = None, margin: float | None = None
    ) -> list[Classification]:
        probs = self.probabilities(texts)
        return [
            self._decision(text, row, threshold, margin)
            for text, row in zip(texts, probs, strict=True)
        ]

    def _decision(
        self, text: str, probs: np.ndarray, threshold: float | None, margin: float | None
    ) -> Classification:
        threshold = self.threshold if threshold is None else threshold
        margin = self.margin if margin is None else margin
        label, confidence, top3, reason = decide(probs, self.classes, threshold, margin)
        urgency = self._urgency.detect(text)
        return Classification(
            label=label,
            confidence=confidence,
            top3=top3,
            needs_confirmation=reason != "confident",
            reason=reason,
            urgent=urgency.urgent,
            model_version=self.version,
            urgency_cues=urgency.cues,
        )
