"""One frozen base encoder per process, shared by every domain that embeds text.

Loading MiniLM takes about a second and ~90 MB; intake, compliance and the pipeline each loading
their own would triple both. The lock makes the first concurrent callers wait for one load.
"""

from __future__ import annotations

import threading

from bot.encoder.sentence import Encoder

_lock = threading.Lock()
_shared: Encoder | None = None


def shared_encoder() -> Encoder:
    """The process-wide base encoder, loaded on first use."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Encoder()
        return _shared
