"""What fine-tuning the encoder needs, whatever head sits on it (intake's softmax over intents,
the compliance lint's labels per category): frozen word embeddings, batches of similar lengths,
warm-up then linear decay.
"""

from __future__ import annotations

import numpy as np
import torch

WARMUP = 0.06  # of the steps: the first updates of a fresh head would shake the encoder


def freeze_word_embeddings(model: torch.nn.Module) -> list[torch.nn.Parameter]:
    """Freeze the word embeddings (half the weights; they barely move, and a step costs a quarter
    less on CPU) and return the parameters left to train."""
    for parameter in model.embeddings.word_embeddings.parameters():  # type: ignore[union-attr]
        parameter.requires_grad = False
    return [p for p in model.parameters() if p.requires_grad]


def warmup_then_linear(
    optimizer: torch.optim.Optimizer, total: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """Learning rate up over the first WARMUP of `total` steps, then down to zero at the end."""
    warmup = max(1, int(WARMUP * total))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))),
    )


def length_batches(texts: list[str], size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffle, sort each window of 50 batches by length, cut into batches, shuffle the batches:
    little padding, and still a different mix every epoch."""
    order = rng.permutation(len(texts))
    window = size * 50
    batches: list[np.ndarray] = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lambda i: len(texts[i]))
        batches += [np.array(chunk[i : i + size]) for i in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches
