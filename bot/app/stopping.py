"""A prompt, clean stop on SIGTERM (docker stop, compose, Kubernetes) and SIGINT (Ctrl-C).

Python turns only SIGINT into an exception; SIGTERM's default kills the process with no clean-up,
and in a container, where the bot is PID 1 (docker-entrypoint.sh `exec`s it), the kernel ignores
it: `docker stop` waited its 10 s and sent SIGKILL. And an exception raised wherever the main
thread happens to be is no way to stop an orderly shutdown. So both signals only set a flag here;
the main thread, which does nothing but wait for it, then stops the parts in order.
"""

from __future__ import annotations

import functools
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from bot.core.logs import get_logger

log = get_logger(__name__)
SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The exit status of a second signal while stopping: the person (or supervisor) insists.
FORCED_EXIT = 130


class StopSignals:
    """`install()` once in the main thread; `wait()` returns the name of the first signal."""

    def __init__(self) -> None:
        self.received: str | None = None

    def install(self) -> StopSignals:
        for number in SIGNALS:
            signal.signal(number, self._on_signal)
        return self

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        # Runs in the main thread between two bytecodes: set a flag, take no lock.
        if self.received is not None:
            os._exit(FORCED_EXIT)  # a second Ctrl-C: stop waiting for the clean stop
        self.received = signal.Signals(number).name

    def wait(self, poll: float = 0.1) -> str:
        """Sleeps until a signal arrives (a sleep, not an Event: the handler must take no lock
        the main thread might hold)."""
        while self.received is None:
            time.sleep(poll)
        return self.received


def within(seconds: float, stop: Callable[[], object], name: str) -> bool:
    """Runs `stop` in a thread of its own for at most `seconds`; False if it was still running
    (it is then abandoned: a daemon thread does not hold the process's exit)."""
    thread = threading.Thread(target=stop, name=f"stop-{name}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        log.warning("stop.abandoned", part=name, after_seconds=seconds)
        return False
    return True


class RunningJobs:
    """Counts the scheduler's jobs while they run, so a stop can wait for them with a deadline
    (APScheduler's own shutdown waits without one: a tick stuck on a Slack call held it)."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def track(self, job: Callable[[], object]) -> Callable[[], None]:
        @functools.wraps(job)
        def tracked() -> None:
            with self._idle:
                self._count += 1
            try:
                job()
            finally:
                with self._idle:
                    self._count -= 1
                    self._idle.notify_all()

        return tracked

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout)
