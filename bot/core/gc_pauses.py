"""Short garbage-collector pauses for a long-running bot.

CPython's full collection walks every tracked object, and a full collection stops every thread.
With the modules, the Bolt app, SQLAlchemy's mappers and the policy loaded that was a 70-100 ms
pause every few minutes under load (measured with `gc.callbacks` during ack_latency.py); with the
intake model loaded, more. Objects that live as long as the process need not be walked at all.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Collect what is garbage now, then move every surviving object out of the collector's
    sight (`gc.freeze`): later full passes only walk what was allocated since.

    Called again after a big load (a promoted intake model): what an earlier call froze is
    thawed first, so a replaced model's cycles are collected rather than kept for good."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
