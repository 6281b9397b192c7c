"""The one clock: aware UTC datetimes. Services take `now` or a `Clock` so tests can set the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def ahead_by(seconds: float) -> Clock:
    """The wall clock moved `seconds` ahead (the soak tests' MOPSBOT_TEST_CLOCK_OFFSET); every
    process given the same offset reads the same time, across restarts."""
    if not seconds:
        return utcnow
    offset = timedelta(seconds=seconds)
    return lambda: datetime.now(UTC) + offset
