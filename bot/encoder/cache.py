"""Vectors of texts already embedded, kept by text: drafting a master again (a person asks for
variants once more, or after changing one paragraph) embeds only the sentences it has not seen.

Only for the frozen base encoder, whose vector of a text never changes. Bounded, least recently
used first out; a lock, since the worker's threads share it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

Embed = Callable[[Sequence[str]], np.ndarray]

SIZE = 4096  # sentences: ~6 MB of 384-float vectors, hundreds of masters


class CachedEmbed:
    """An `embed` that asks the one it wraps only for texts it has not kept, in one batch."""

    def __init__(self, embed: Embed, size: int = SIZE) -> None:
        self._embed = embed
        self._size = size
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._kept))
        fresh = np.asarray(self._embed(missing), dtype=np.float32) if missing else None
        with self._lock:
            found = dict(zip(missing, fresh, strict=True)) if fresh is not None else {}
            for text in texts:
                if text in self._kept:
                    self._kept.move_to_end(text)
                    found.setdefault(text, self._kept[text])
            for text, vector in found.items():
                self._kept[text] = vector
                self._kept.move_to_end(text)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        if not texts:
            return np.asarray(self._embed([]), dtype=np.float32)
        return np.stack([found[text] for text in texts])  # a new array: callers may change it

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
