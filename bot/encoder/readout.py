"""The compliance lint's readout of the encoder: MiniLM's layers 3-6 averaged, beside its last.

Each of the transformer's layers 3, 4, 5 and 6 (of 6; 0 is the embeddings) mean pooled under the
attention mask and L2 normalized, as Encoder.forward pools the last one; the four averaged and
normalized again; that vector and the last layer's (Encoder.forward's own) side by side, and the
768 numbers normalized once more. One forward pass. The last layer was trained for topic
similarity between sentences; the middle ones likely keep more of how a sentence is put (who
says it, what is promised), which is what tells a claim from its clean neighbour.

On the lint's examples (torch fp32, the model alone, 5-fold cross-validated category recall):
last layer 0.646, layers 3-6 averaged 0.756, layers 3-6 averaged beside the last 0.728. Layers
3-6 alone scored higher but read too much into short or plain lines: they added a price offer to
"Guaranteed 12% returns for every member." (a financial promise; its pricing score passed the
added-category threshold, where beside the last layer it scores 0.61 against 0.81) and flagged
more two-to-four-word clean lines ("Hello there", "No purchase necessary.", "Happy Friday
everyone"). With the last layer beside them the model keeps most of the gain and the last
layer's sense of what a sentence is about. Layers 3-6 concatenated (1,536 dimensions), layers
4-6 or 5-6 averaged, and adding layers 0-2 were measured too (scratch experiments), none worth
its length; fine-tuning the encoder (bot.compliance.tuning) costs some dev precision and
needs weights of its own.

On the product path (benchmarks/lint_quality.py, int8, patterns + model), against the last layer
alone: cross-validated category recall 0.677 -> 0.742, recall 0.750 -> 0.811, precision
0.908 -> 0.910; dev recall 1.000, precision 0.970 -> 0.975. Of 20 two-to-four-word clean lines
written to check short lines (none of them an example), the int8 model flags 1 ("Cheers, Dana"
as an endorsement), as the last layer alone did; layers 3-6 alone flagged 5 (before the short
clean examples were added).

Intake and the channel variants stay on the last layer alone (Encoder.embed): their heads and
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

# Averaged, then set beside the last layer; indices into the hidden states (0 is the embeddings).
LINT_LAYERS = (3, 4, 5, 6)


def readout_name(layers: Sequence[int], last: int) -> str:
    """'layers3-6+6' for (3, 4, 5, 6) averaged beside the last of 6: part of the vectors' id, so
    a model trained on one readout's vectors is never given another's (and of the export's file
    name). A span of layers, as LINT_LAYERS is: any other set would need a name of its own."""
    first, end = layers[0], layers[-1]
    if list(layers) != list(range(first, end + 1)):
        raise ValueError(f"layers {tuple(layers)}: the readout averages a span, e.g. 3-6")
    return f"layers{first}-{end}+{last}"


def mean_of_layers(
    hidden_states: Sequence[torch.Tensor], attention_mask: torch.Tensor, layers: Sequence[int]
) -> torch.Tensor:
    """Each of `layers` pooled as `pool` does (masked mean, unit), averaged, then unit again."""
    pooled = torch.stack([pool(hidden_states[layer], attention_mask) for layer in layers])
    return torch.nn.functional.normalize(pooled.mean(0), p=2, dim=1)


def lint_readout(
    hidden_states: Sequence[torch.Tensor], attention_mask: torch.Tensor, layers: Sequence[int]
) -> torch.Tensor:
    """`mean_of_layers` beside the last layer's pooled vector (both unit), made unit: twice the
    encoder's dimensions, each half weighing the same."""
    averaged = mean_of_layers(hidden_states, attention_mask, layers)
    last = pool(hidden_states[-1], attention_mask)
    return torch.nn.functional.normalize(torch.cat([averaged, last], dim=1), p=2, dim=1)


class LayersEncoder:
    """Text -> unit vector of `encoder`'s layers 3-6 (LINT_LAYERS) averaged beside its last layer
    (`lint_readout`), on torch: the lint's readout when ONNX Runtime is missing or
    MOPSBOT_LINT_ENCODER=torch. The same transformer in memory as `encoder`, which everybody else
    keeps reading through its last layer alone."""

    def __init__(self, encoder: Encoder, layers: Sequence[int] = LINT_LAYERS) -> None:
        self.encoder = encoder
        self.layers = tuple(layers)
        self.dim = 2 * encoder.dim
        self.name = readout_name(self.layers, int(encoder.model.config.num_hidden_layers))
        self.id = f"{encoder.id}-{self.name}"  # the compliance model's cache key

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        states = self.encoder.model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            token_type_ids=batch.get("token_type_ids"),
            output_hidden_states=True,
        ).hidden_states
        return lint_readout(states, batch["attention_mask"], self.layers)

    def embed(
        self, texts: Sequence[str], batch_size: int = BATCH, progress: tqdm | None = None
    ) -> np.ndarray:
        """As Encoder.embed (batches of similar lengths; each row the text's vector alone)."""
        return self.encoder.embed_with(self.forward, texts, batch_size, progress, dim=self.dim)
