"""One frozen base encoder per process, shared by every domain that embeds text.

Loading MiniLM takes about a second and ~90 MB; intake, compliance and the pipeline each loading
their own would triple both. The lock makes the first concurrent callers wait for one load.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from bot.encoder.cache import CachedEmbed
from bot.encoder.sentence import Encoder

_lock = threading.Lock()
_shared: Encoder | None = None
_cached: CachedEmbed | None = None


def shared_encoder() -> Encoder:
    """The process-wide base encoder, loaded on first use."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Encoder()
        return _shared


def cached_embed(texts: Sequence[str]) -> np.ndarray:
    """The shared encoder's `embed`, remembering the vectors of texts it has seen (the sentences
    of masters drafted before); loads the encoder on first use."""
    global _cached
    encoder = shared_encoder()
    with _lock:
        if _cached is None:
            _cached = CachedEmbed(encoder.embed)
        cache = _cached
    return cache(texts)
