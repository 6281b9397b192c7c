"""One frozen base encoder per process, shared by every domain that embeds text.

Loading MiniLM takes about a second and ~90 MB; intake, compliance and the pipeline each loading
their own would triple both. The lock makes the first concurrent callers wait for one load. The
compliance lint reads through its int8 export (bot.encoder.exported), ~25 MB more.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.encoder.cache import CachedEmbed
from bot.encoder.exported import OnnxEncoder, quantized
from bot.encoder.sentence import Encoder

log = logging.getLogger(__name__)

_lock = threading.Lock()
_shared: Encoder | None = None
_cached: CachedEmbed | None = None
_export_lock = threading.Lock()
_quantized: OnnxEncoder | Encoder | None = None


def shared_encoder() -> Encoder:
    """The process-wide base encoder, loaded on first use."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Encoder()
        return _shared


def quantized_encoder(directory: Path) -> OnnxEncoder | Encoder:
    """The shared encoder's int8 ONNX export, exported into `directory` on first use; the shared
    encoder itself (one log line says why) when ONNX Runtime is missing or the export fails."""
    global _quantized
    encoder = shared_encoder()
    with _export_lock:
        if _quantized is None:
            try:
                _quantized = quantized(encoder, directory)
            except Exception as exc:  # any failure leaves the lint on torch, slower but right
                log.warning("encoder.onnx_unavailable using=torch error=%r", exc)
                _quantized = encoder
        return _quantized


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
