"""The stop's parts: a signal only sets a flag, a stuck part is abandoned at its deadline, and
the scheduler's running jobs are waited for with one."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from bot.app.stopping import SIGNALS, RunningJobs, StopSignals, within


@pytest.fixture
def handlers_restored() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in SIGNALS}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


@pytest.mark.parametrize("number", SIGNALS)
def test_sigterm_and_sigint_are_a_request_to_stop_not_an_exception(
    handlers_restored: None, number: signal.Signals
) -> None:
    signals = StopSignals().install()
    os.kill(os.getpid(), number)  # handled in this (the main) thread before kill returns
    assert signals.wait(poll=0.01) == number.name


def test_a_part_that_does_not_stop_in_time_is_abandoned() -> None:
    release = threading.Event()
    started = time.monotonic()
    assert within(0.2, release.wait, "stuck") is False
    assert time.monotonic() - started < 1
    release.set()
    assert within(1, lambda: None, "quick") is True


def test_running_jobs_are_waited_for_until_the_deadline() -> None:
    jobs = RunningJobs()
    release, running = threading.Event(), threading.Event()
    job = jobs.track(lambda: (running.set(), release.wait()))
    thread = threading.Thread(target=job)
    thread.start()
    running.wait(1)
    assert jobs.wait_idle(0.1) is False
    release.set()
    assert jobs.wait_idle(1) is True
    thread.join()
    assert jobs.wait_idle(0) is True
