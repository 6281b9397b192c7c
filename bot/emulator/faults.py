"""Slack's bad weather, on purpose: a seeded plan of Web API faults for a run of calls.

Slack answers bursts with HTTP 429 `ratelimited` (and Retry-After), has the odd 5xx from its
edge, and can take a post, store it, and answer too late: the client sees a timeout although
the message is in the channel (the ambiguous case an outbox must settle without posting twice).
`FaultPlan` draws one of these per call with the given rates from its own seeded generator, so
a run is repeatable, and counts what it injected (the figures a soak reports). `burst()` makes
the next few calls meet one kind in a row, as Slack's faults come: a soak sets one of each kind
off at a seeded moment, so every run meets every kind whatever the draws.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from enum import StrEnum

# What a run of posts goes through by default: the methods that write what people read.
WRITES = frozenset(
    {"chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish", "views.update"}
)


class FaultKind(StrEnum):
    RATELIMITED = "ratelimited"  # 429 with Retry-After; the call did nothing
    SERVER_ERROR = "server_error"  # a 5xx page from Slack's edge; the call did nothing
    TIMEOUT_AFTER_ACCEPT = "timeout_after_accept"  # the call took effect; the answer came late


@dataclass
class FaultPlan:
    """Rates in [0, 1] per call of `methods`; `seed` makes the draws repeatable.

    `late_by`: how long a timed-out call's answer waits, in seconds: longer than the client's
    timeout (the bot's is MOPSBOT_SLACK_TIMEOUT), so the client gives up first."""

    ratelimited: float = 0.0
    server_error: float = 0.0
    timeout_after_accept: float = 0.0
    seed: int = 0
    retry_after: float = 1.0
    status: int = 503
    late_by: float = 1.0
    methods: frozenset[str] = WRITES
    injected: Counter[str] = field(default_factory=Counter, init=False)
    _bursts: deque[FaultKind] = field(default_factory=deque, init=False, repr=False)
    _random: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        total = self.ratelimited + self.server_error + self.timeout_after_accept
        if not 0 <= total <= 1:
            raise ValueError(f"fault rates must add up to at most 1, not {total:g}")
        self._random = random.Random(self.seed)

    def burst(self, kind: FaultKind, calls: int) -> None:
        """The next `calls` calls of `methods` meet `kind` (after any burst already queued)."""
        with self._lock:
            self._bursts.extend([kind] * calls)

    def draw(self, method: str) -> FaultKind | None:
        """The fault this call meets, if any (counted in `injected`)."""
        if method not in self.methods:
            return None
        with self._lock:
            if self._bursts:
                burst = self._bursts.popleft()
                self.injected[burst] += 1
                return burst
            roll = self._random.random()
            kind = None
            for candidate, rate in (
                (FaultKind.RATELIMITED, self.ratelimited),
                (FaultKind.SERVER_ERROR, self.server_error),
                (FaultKind.TIMEOUT_AFTER_ACCEPT, self.timeout_after_accept),
            ):
                if roll < rate:
                    kind = candidate
                    break
                roll -= rate
            if kind is not None:
                self.injected[kind] += 1
            return kind
