"""One frozen base encoder per process, shared by every domain that embeds text.

Loading MiniLM takes about a second and ~90 MB; intake, compliance and the pipeline each loading
their own would triple both. The lock makes the first concurrent callers wait for one load. The
compliance lint reads the same transformer's layers 3-6 averaged beside its last layer
(bot.encoder.readout), through that readout's int8 export (bot.encoder.exported), ~25 MB more.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.encoder.cache import CachedEmbed
from bot.encoder.exported import OnnxEncoder, quantized
from bot.encoder.readout import LayersEncoder
from bot.encoder.sentence import Encoder

log = logging.getLogger(__name__)

_lock = threading.Lock()
_shared: Encoder | None = None
_cached: CachedEmbed | None = None
_export_lock = threading.Lock()
_quantized: OnnxEncoder | LayersEncoder | None = None
_layers: LayersEncoder | None = None


def shared_encoder() -> Encoder:
    """The process-wide base encoder, loaded on first use."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Encoder()
        return _shared


def lint_layers_encoder() -> LayersEncoder:
    """The shared encoder read through layers 3-6 beside the last, as the compliance lint reads
    it, on torch."""
    global _layers
    encoder = shared_encoder()
    with _lock:
        if _layers is None:
            _layers = LayersEncoder(encoder)
        return _layers


def quantized_encoder(directory: Path) -> OnnxEncoder | LayersEncoder:
    """The int8 ONNX export of the lint's readout (layers 3-6 + last), exported into `directory` on first
    use; that readout on torch (one log line says why) when ONNX Runtime is missing or the export
    fails."""
    global _quantized
    readout = lint_layers_encoder()
    with _export_lock:
        if _quantized is None:
            try:
                _quantized = quantized(readout, directory)
            except Exception as exc:  # any failure leaves the lint on torch, slower but right
                log.warning("encoder.onnx_unavailable using=torch error=%r", exc)
                _quantized = readout
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
