"""A reentrant lock that is handed to its waiters in the order they arrived."""

from __future__ import annotations

import threading
from collections import deque


class FairLock:
    """Like `threading.RLock`, but first come, first served.

    Python's own locks let a thread that arrives just as the lock is released take it ahead of
    threads that have waited for a while. For SQLite's single writer that made a burst of clicks
    finish in a random order: most quickly, an unlucky few after waiting out every other click.
    Handing the lock over in arrival order keeps each wait to the queue ahead of it.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiters: deque[tuple[int, threading.Lock]] = deque()

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None:
                self._owner, self._depth = me, 1
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append((me, gate))
        gate.acquire()  # released by `release()` once it has made this thread the owner

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a FairLock this thread does not hold")
            self._depth -= 1
            if self._depth:
                return
            if not self._waiters:
                self._owner = None
                return
            self._owner, gate = self._waiters.popleft()
            self._depth = 1
            gate.release()

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
