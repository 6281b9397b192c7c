"""Calibration: temperature scaling, expected calibration error, and a stable hash of a text (the
folds of crossval.py are dealt by it).

Temperature scaling (Guo et al. 2017) divides the logits by one number fitted on data the head did
not train on, so that "87% sure" is right about 87% of the time; it never changes the top label.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=-1, keepdims=True)


def nll(logits: np.ndarray, targets: np.ndarray, temperature: float) -> float:
    probs = softmax(logits, temperature)
    return float(-np.log(probs[np.arange(len(targets)), targets] + 1e-12).mean())


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood: a coarse log grid, then golden section."""
    if len(targets) == 0:
        return 1.0
    grid = np.exp(np.linspace(np.log(0.01), np.log(100.0), 81))
    losses = [nll(logits, targets, t) for t in grid]
    best = int(np.argmin(losses))
    low, high = np.log(grid[max(best - 1, 0)]), np.log(grid[min(best + 1, len(grid) - 1)])
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(40):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if nll(logits, targets, float(np.exp(a))) < nll(logits, targets, float(np.exp(b))):
            high = b
        else:
            low = a
    return float(np.exp((low + high) / 2))


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = 15
) -> float:
    """Weighted mean gap between confidence and accuracy over equal-width confidence bins."""
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            error += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(error)


def text_bucket(text: str) -> float:
    """A stable number in [0, 1) per text: the same message lands on the same side of every split."""
    digest = hashlib.sha256(" ".join(text.casefold().split()).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def fit_temperature_and_background(logits: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
    """Temperature T and a constant "none of these" logit b for a model that never saw out-of-scope
    examples: softmax([logits, b] / T), fitted on calibration data where target == number of
    classes marks an out-of-scope example. Convex in (1/T, b/T), so L-BFGS finds the optimum."""
    x = torch.from_numpy(np.ascontiguousarray(logits, dtype=np.float32))
    y = torch.from_numpy(np.asarray(targets, dtype=np.int64))
    inverse = torch.tensor(1.0, requires_grad=True)
    scaled_background = torch.tensor(
        float(np.quantile(logits.max(axis=1), 0.05)), requires_grad=True
    )
    optimizer = torch.optim.LBFGS(
        [inverse, scaled_background], max_iter=200, line_search_fn="strong_wolfe"
    )

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        column = scaled_background.expand(len(x), 1)
        loss = torch.nn.functional.cross_entropy(torch.cat([x * inverse, column], dim=1), y)
        loss.backward()
        return loss

    optimizer.step(closure)
    temperature = 1.0 / max(inverse.item(), 1e-6)
    return temperature, scaled_background.item() * temperature
