"""Fine-tuning the encoder with a cosine softmax head (for large example sets such as CLINC150).

The head scores a text by its cosine to one learned prototype per label, times a fixed scale;
it starts at the label centroids of the frozen encoder, so training starts from a good nearest-
centroid classifier. Word embeddings stay frozen: they are half the weights and barely move,
and freezing them makes each step a quarter cheaper on CPU. Batches group texts of similar
length to waste little on padding.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from tqdm.auto import tqdm

from bot.intake.classifier.encoder import Encoder
from bot.intake.classifier.head import SoftmaxHead
from policies.intake_schema import Training

SCALE = 30.0  # cosine logits in [-30, 30]; temperature scaling calibrates afterwards
HEAD_LR_FACTOR = 20.0  # the head starts near its optimum but still moves faster than the encoder
WARMUP = 0.06


def finetune(
    encoder: Encoder,
    texts: list[str],
    targets: np.ndarray,
    classes: int,
    settings: Training,
    progress: bool = True,
    what: str = "fine-tuning",
) -> SoftmaxHead:
    rng = np.random.default_rng(settings.seed)
    torch.manual_seed(settings.seed)
    prototypes = torch.nn.Parameter(_centroids(encoder, texts, targets, classes, progress))
    for parameter in encoder.model.embeddings.word_embeddings.parameters():
        parameter.requires_grad = False
    trainable = [p for p in encoder.model.parameters() if p.requires_grad]
    lr = settings.finetune_learning_rate
    optimizer = torch.optim.AdamW(
        [{"params": trainable, "lr": lr}, {"params": [prototypes], "lr": lr * HEAD_LR_FACTOR}],
        weight_decay=0.01,
    )
    per_epoch = math.ceil(len(texts) / settings.batch_size)
    total = per_epoch * settings.finetune_epochs
    warmup = max(1, int(WARMUP * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup))),
    )
    labels = torch.from_numpy(np.asarray(targets, dtype=np.int64))

    encoder.model.train()
    with tqdm(total=total, desc=what, unit="step", disable=not progress) as bar:
        for _ in range(settings.finetune_epochs):
            for batch in _length_batches(texts, settings.batch_size, rng):
                vectors = encoder.forward(encoder.tokenize([texts[i] for i in batch]))
                logits = SCALE * vectors @ torch.nn.functional.normalize(prototypes, dim=1).T
                loss = torch.nn.functional.cross_entropy(logits, labels[batch])
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(trainable, 1.0)
                optimizer.step()
                schedule.step()
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    encoder.model.eval()
    weight = SCALE * torch.nn.functional.normalize(prototypes.detach(), dim=1)
    return SoftmaxHead(weight.numpy(), np.zeros(classes, dtype=np.float32))


def _centroids(
    encoder: Encoder, texts: list[str], targets: np.ndarray, classes: int, progress: bool
) -> torch.Tensor:
    with tqdm(
        total=len(texts), desc="embedding examples", unit="text", disable=not progress, leave=False
    ) as bar:
        vectors = encoder.embed(texts, progress=bar)
    sums = np.zeros((classes, vectors.shape[1]), dtype=np.float32)
    np.add.at(sums, targets, vectors)
    return torch.nn.functional.normalize(torch.from_numpy(sums), dim=1)


def _length_batches(texts: list[str], size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffle, sort each window of 50 batches by length, cut into batches, shuffle the batches."""
    order = rng.permutation(len(texts))
    window = size * 50
    batches: list[np.ndarray] = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lambda i: len(texts[i]))
        batches += [np.array(chunk[i : i + size]) for i in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches
