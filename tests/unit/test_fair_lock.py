"""The writer lock hands itself over in arrival order, and is reentrant like an RLock."""

from __future__ import annotations

import threading
import time

import pytest

from bot.storage.fair_lock import FairLock


def test_waiters_get_the_lock_in_the_order_they_asked() -> None:
    lock = FairLock()
    order: list[int] = []
    lock.acquire()

    def waiter(n: int) -> None:
        with lock:
            order.append(n)

    threads = []
    for n in range(8):
        thread = threading.Thread(target=waiter, args=(n,))
        thread.start()
        threads.append(thread)
        time.sleep(0.02)  # each is queued before the next arrives
    # A newcomer arriving as the lock is released does not jump the queue either.
    late = threading.Thread(target=waiter, args=(99,))
    lock.release()
    late.start()
    for thread in [*threads, late]:
        thread.join(timeout=5)
    assert order == [*range(8), 99]


def test_reentrant_in_the_owning_thread() -> None:
    lock = FairLock()
    with lock, lock:
        pass
    got = threading.Event()
    thread = threading.Thread(target=lambda: (lock.acquire(), got.set(), lock.release()))
    thread.start()
    thread.join(timeout=5)
    assert got.is_set()  # fully released after the nested exit


def test_release_by_another_thread_is_an_error() -> None:
    lock = FairLock()
    lock.acquire()
    errors: list[Exception] = []

    def release() -> None:
        try:
            lock.release()
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=release)
    thread.start()
    thread.join(timeout=5)
    assert errors
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()
