"""Waiting for the bot: its outbox delivers asynchronously, so tests poll with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from bot.emulator.workspace import PATIENCE

T = TypeVar("T")


def eventually(condition: Callable[[], T], what: str, timeout: float = PATIENCE) -> T:
    """The first truthy value of `condition()`, polled every 20 ms; fails naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.02)
