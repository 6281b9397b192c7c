"""The real bot for one test, against the emulator, and stopped completely before the next test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.core.clock import Clock, utcnow


@contextmanager
def running_bot(
    settings: Settings, *, clock: Clock = utcnow, schedule: bool = True
) -> Iterator[LocalBot]:
    """`local_bot` on an already migrated database (the `db` fixture's)."""
    with local_bot(settings, clock=clock, migrate_first=False, schedule=schedule) as running:
        try:
            yield running
        finally:
            # Runtime.stop() does not wait for a scheduler tick that is still running; on
            # PostgreSQL such a tick held its locks while the next test's TRUNCATE took them
            # (a deadlock, an error at that test's setup).
            scheduler = running.runtime.scheduler
            if scheduler.running:
                scheduler.shutdown(wait=True)
