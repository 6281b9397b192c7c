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

from bot.encoder.training import freeze_word_embeddings, length_batches, warmup_then_linear
from bot.intake.classifier.encoder import Encoder
from bot.intake.classifier.head import SoftmaxHead
from policies.intake_schema import Training

SCALE = 30.0  # cosine logits in [-30, 30]; temperature scaling calibrates afterwards
HEAD_LR_FACTOR = 20.0  # the head starts near its optimum but still moves faster than the encoder


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
    trainable = freeze_word_embeddings(encoder.model)
    lr = settings.finetune_learning_rate
    optimizer = torch.optim.AdamW(
        [{"params": trainable, "lr": lr}, {"params": [prototypes], "lr": lr * HEAD_LR_FACTOR}],
        weight_decay=0.01,
    )
    per_epoch = math.ceil(len(texts) / settings.batch_size)
    total = per_epoch * settings.finetune_epochs
    schedule = warmup_then_linear(optimizer, total)
    labels = torch.from_numpy(np.asarray(targets, dtype=np.int64))

    encoder.model.train()
    with tqdm(total=total, desc=what, unit="step", disable=not progress) as bar:
        for _ in range(settings.finetune_epochs):
            for batch in length_batches(texts, settings.batch_size, rng):
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
