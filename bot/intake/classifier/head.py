"""The trained head: a softmax (multinomial logistic) layer on the sentence vectors.

On frozen vectors the problem is convex, so full-batch L-BFGS finds the optimum in a few seconds
even for 15,000 examples, with no learning rate to tune. The L2 strength is picked by
cross-validation when there is more than one candidate (see training.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch


class SoftmaxHead:
    def __init__(self, weight: np.ndarray, bias: np.ndarray) -> None:
        self.weight = np.ascontiguousarray(weight, dtype=np.float32)  # (classes, dim)
        self.bias = np.ascontiguousarray(bias, dtype=np.float32)  # (classes,)
        self._weight_t = torch.from_numpy(self.weight.T.copy())
        self._bias_t = torch.from_numpy(self.bias)

    @property
    def classes(self) -> int:
        return int(self.weight.shape[0])

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        return vectors @ self.weight.T + self.bias

    def logits_torch(self, vectors: torch.Tensor) -> torch.Tensor:
        return vectors @ self._weight_t + self._bias_t

    def with_background(self, logit: float) -> SoftmaxHead:
        """This head plus one output with a constant logit: "none of the labels" (see calibration)."""
        weight = np.vstack([self.weight, np.zeros((1, self.weight.shape[1]), dtype=np.float32)])
        return SoftmaxHead(weight, np.append(self.bias, np.float32(logit)))

    def save(self, path: Path) -> None:
        np.savez(path, weight=self.weight, bias=self.bias)

    @classmethod
    def load(cls, path: Path) -> SoftmaxHead:
        with np.load(path) as data:
            return cls(data["weight"], data["bias"])


def fit_head(
    vectors: np.ndarray,
    targets: np.ndarray,
    classes: int,
    l2: float,
    iterations: int = 200,
    seed: int = 0,
) -> SoftmaxHead:
    """Minimise mean cross-entropy + l2 * |W|^2 over the examples (bias not penalised)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    y = torch.from_numpy(np.asarray(targets, dtype=np.int64))
    weight = (torch.randn(classes, x.shape[1], generator=generator) * 0.01).requires_grad_()
    bias = torch.zeros(classes, requires_grad=True)
    optimizer = torch.optim.LBFGS(
        [weight, bias],
        lr=1.0,
        max_iter=iterations,
        history_size=20,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-6,
        tolerance_change=1e-9,
    )

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(x @ weight.T + bias, y) + l2 * (weight**2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return SoftmaxHead(weight.detach().numpy(), bias.detach().numpy())
