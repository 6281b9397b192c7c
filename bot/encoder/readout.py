"""The compliance lint's readout of the encoder: MiniLM's layers 3-6, not only its last.

Each of the transformer's layers 3, 4, 5 and 6 (of 6; 0 is the embeddings) mean pooled under the
attention mask and L2 normalized, as Encoder.forward pools the last one; the four averaged and
normalized again. Same 384 dimensions, same single forward pass. The last layer was trained for
topic similarity between sentences; the middle ones likely keep more of how a sentence is put
(who says it, what is promised), which is what tells a claim from its clean neighbour. On the
lint's examples (torch fp32, 5-fold cross-validation, each sentence judged by a model that never saw it,
patterns + model, mean of five fold seeds): category recall 0.683 -> 0.767 (sd over seeds
0.012 / 0.008), recall 0.757 -> 0.832, precision 0.907 -> 0.917; on the dev sentences recall
stays 1.000 and precision 0.964. Layers 3-6 concatenated (1,536 dimensions) scored 0.787 for a
vector four times as long; layers 4-6 or 5-6 averaged, and adding layers 0-2, scored lower.
Fine-tuning the encoder on the examples scored higher on cross-validation (0.85-0.875) but lost
dev precision (0.946-0.958) and needs weights of its own.

Known cost, not in those figures (their clean sentences are whole sentences): very short clean
lines read as claims more often. Of 20 two-to-four-word lines written to check it, the int8 model
flagged 5 ("Hello there" and "Hello world" as absolute claims, "No purchase necessary." as an
absolute claim and a price offer, "Happy Friday everyone" as a price offer, "Cheers, Dana" as an
endorsement) where the last layer's flagged 1 ("Cheers, Dana").

Intake and the channel variants stay on the last layer (Encoder.embed): their heads and
thresholds were fitted on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from bot.encoder.sentence import BATCH, Encoder, pool

if TYPE_CHECKING:
    from tqdm import tqdm

LINT_LAYERS = (3, 4, 5, 6)  # indices into the hidden states: 0 is the embeddings, 6 the last


def layers_name(layers: Sequence[int]) -> str:
    """'layers3-6' for (3, 4, 5, 6): part of the vectors' id, so two readouts never share a cache."""
    if list(layers) == list(range(layers[0], layers[-1] + 1)):
        return f"layers{layers[0]}-{layers[-1]}"
    return "layers" + "_".join(str(layer) for layer in layers)


def mean_of_layers(
    hidden_states: Sequence[torch.Tensor], attention_mask: torch.Tensor, layers: Sequence[int]
) -> torch.Tensor:
    """Each of `layers` pooled as `pool` does (masked mean, unit), averaged, then unit again."""
    pooled = torch.stack([pool(hidden_states[layer], attention_mask) for layer in layers])
    return torch.nn.functional.normalize(pooled.mean(0), p=2, dim=1)


class LayersEncoder:
    """Text -> unit vector from `encoder`'s layers 3-6 (LINT_LAYERS), on torch: the lint's
    readout when ONNX Runtime is missing or MOPSBOT_LINT_ENCODER=torch. The same transformer in
    memory as `encoder`, which everybody else keeps reading through its last layer."""

    def __init__(self, encoder: Encoder, layers: Sequence[int] = LINT_LAYERS) -> None:
        self.encoder = encoder
        self.layers = tuple(layers)
        self.dim = encoder.dim
        self.id = f"{encoder.id}-{layers_name(self.layers)}"  # the compliance model's cache key

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        states = self.encoder.model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            token_type_ids=batch.get("token_type_ids"),
            output_hidden_states=True,
        ).hidden_states
        return mean_of_layers(states, batch["attention_mask"], self.layers)

    def embed(
        self, texts: Sequence[str], batch_size: int = BATCH, progress: tqdm | None = None
    ) -> np.ndarray:
        """As Encoder.embed (batches of similar lengths; each row the text's vector alone)."""
        return self.encoder.embed_with(self.forward, texts, batch_size, progress)
