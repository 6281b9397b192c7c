"""A clock the test sets by hand, for everything that takes `clock=` (the runtime, the outbox
sender, the task worker): time moves only when the test says so, so a backoff or a Retry-After
is waited out by moving the clock past it, not by sleeping."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.clock import utcnow


class Clock:
    """`clock()` is `clock.now`; set it (`clock.now = ...`, `clock.now += ...`) or `advance()` it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now if now is not None else utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by a `timedelta(**delta)` (`seconds=1.5`, `hours=2`); returns the new now."""
        self.now += timedelta(**delta)
        return self.now
