"""The sender's pace: one lane per limit Slack keeps, so a 429 stops only what it limits.

Slack limits chat.postMessage to about one message per second per channel (short bursts allowed)
and every other method per method, by tier (Tier 2: 20+ per minute, Tier 3: 50+, Tier 4: 100+;
docs.slack.dev/apis/web-api/rate-limits). So a row's lane is "chat.postMessage:<channel>" or its
method. Each lane has a budget (a token bucket, in real seconds: Slack counts real time) that
the sender spends before a call, so it keeps under the limits instead of finding them; and a
429 closes the lane until Retry-After (on the sender's clock, which tests move by hand) while
every other lane goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import Clock

PER_CHANNEL = "chat.postMessage"
TIER_PER_MINUTE = {2: 20, 3: 50, 4: 100}
# The tier of each method the outbox calls (files.upload_v2 is two Tier 4 calls and an upload).
METHOD_TIERS = {
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "views.publish": 4,
    "views.update": 4,
    "files.upload_v2": 4,
}
POST_PER_SECOND = 1.0
POST_BURST = 3


def lane_of(method: str, channel: object) -> str:
    """The lane of a call: chat.postMessage per channel, anything else per method."""
    if method == PER_CHANNEL and isinstance(channel, str) and channel:
        return f"{method}:{channel}"
    return method


@dataclass
class _Budget:
    capacity: float
    per_second: float
    tokens: float
    at: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.per_second)
        self.at = now

    def wait(self) -> float:
        """Seconds until one call may go (0: now)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


class Lanes:
    """Budgets and pauses per lane, shared by the sender's threads."""

    def __init__(
        self,
        clock: Clock,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        post_per_second: float = POST_PER_SECOND,
        post_burst: int = POST_BURST,
        paced: bool = True,
    ) -> None:
        self.clock = clock
        self.paced = paced  # False: no budgets, only 429 pauses (an emulator without limits)
        self.monotonic = monotonic
        self.post_per_second = post_per_second
        self.post_burst = post_burst
        self._budgets: dict[str, _Budget] = {}
        self._paused: dict[str, datetime] = {}  # lane -> the sender-clock time it opens again
        self._lock = threading.Lock()

    def take(self, lane: str) -> bool:
        """Spend one call of the lane's budget; False when it is paused or spent."""
        with self._lock:
            if self._is_paused(lane):
                return False
            budget = self._budget(lane)
            if budget is None:
                return True
            budget.refill(self.monotonic())
            if budget.tokens < 1:
                return False
            budget.tokens -= 1
            return True

    def pause(self, lane: str, seconds: float) -> None:
        """Slack said 429: nothing more in this lane until Retry-After has passed."""
        with self._lock:
            self._paused[lane] = self.clock() + timedelta(seconds=seconds)

    def closed(self) -> list[str]:
        """The lanes no call may go in now (paused, or their budget spent)."""
        with self._lock:
            now = self.monotonic()
            closed = [lane for lane in list(self._paused) if self._is_paused(lane)]
            for lane, budget in list(self._budgets.items()):
                budget.refill(now)
                if budget.tokens >= budget.capacity:
                    del self._budgets[lane]  # full again: as good as new (2,000 DMs, 2,000 lanes)
                elif budget.tokens < 1 and lane not in closed:
                    closed.append(lane)
            return closed

    def opens_in(self) -> float | None:
        """Seconds until the first closed lane opens (None: none is closed): a spent budget
        in real seconds, a pause on the sender's clock."""
        with self._lock:
            now = self.monotonic()
            waits = []
            for budget in self._budgets.values():
                budget.refill(now)
                if budget.tokens < 1:
                    waits.append(budget.wait())
            clock_now = self.clock()
            waits += [(until - clock_now).total_seconds() for until in self._paused.values()]
            return max(0.0, min(waits)) if waits else None

    def _is_paused(self, lane: str) -> bool:
        until = self._paused.get(lane)
        if until is None:
            return False
        if self.clock() >= until:
            del self._paused[lane]
            return False
        return True

    def _budget(self, lane: str) -> _Budget | None:
        if not self.paced:
            return None
        budget = self._budgets.get(lane)
        if budget is not None:
            return budget
        if lane.startswith(PER_CHANNEL + ":"):
            capacity, rate = float(self.post_burst), self.post_per_second
        elif lane in METHOD_TIERS:
            per_minute = TIER_PER_MINUTE[METHOD_TIERS[lane]]
            capacity, rate = float(per_minute), per_minute / 60
        else:
            return None
        budget = self._budgets[lane] = _Budget(capacity, rate, capacity, self.monotonic())
        return budget
