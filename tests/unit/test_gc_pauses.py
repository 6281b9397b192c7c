"""What the bot keeps for its lifetime is out of the collector's sight; garbage is not."""

from __future__ import annotations

import gc
import weakref

from bot.core.gc_pauses import freeze_long_lived


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector can free it


def test_survivors_are_frozen_and_thawed_garbage_is_collected_by_the_next_call() -> None:
    try:
        kept = Node()
        alive = weakref.ref(kept)
        freeze_long_lived()
        assert all(obj is not kept for obj in gc.get_objects())  # frozen: no collection walks it
        del kept
        gc.collect()
        assert alive() is not None  # frozen garbage stays until thawed ...
        freeze_long_lived()
        assert alive() is None  # ... which the next call does before collecting
    finally:
        gc.unfreeze()
