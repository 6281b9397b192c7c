"""Slack's pace, for the emulator: per-method rate-limit tiers, chat.postMessage per channel, and
the network's round trip.

Slack limits each Web API method per app per workspace by tier (Tier 1: 1+ per minute, Tier 2:
20+, Tier 3: 50+, Tier 4: 100+, bursts tolerated) and chat.postMessage to about one message per
second per channel with short bursts ("Rate limits", docs.slack.dev/apis/web-api/rate-limits;
each method's page names its tier). Over the limit it answers HTTP 429 `ratelimited` with a
Retry-After header in whole seconds. Here each limit is a token bucket: a tier's bucket holds a
minute's quota (the burst) and refills at that quota per minute; a channel's holds `post_burst`
messages and refills one per second.

Both are off unless asked for (`SlackEmulator(limits=RateLimits(), network=NetworkDelay(...))`):
most tests move the bot's clock by hand, and a limit measured in real seconds would make them
wait. The shell and the benchmarks turn them on; the tests about pacing do too.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Requests per minute of each tier.
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}

# The tier of each method the emulator answers, from Slack's method pages. chat.postMessage is
# "special": limited per channel (below), not per method.
METHOD_TIERS: dict[str, int] = {
    "auth.test": 4,  # special on Slack; generous
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.getPermalink": 4,  # special on Slack; generous
    "conversations.info": 3,
    "conversations.open": 3,
    "conversations.members": 4,
    "conversations.replies": 3,
    "conversations.history": 3,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "usergroups.list": 2,
    "usergroups.users.list": 2,
    "users.info": 4,
    "users.list": 2,
    "views.open": 4,
    "views.publish": 4,
    "views.push": 4,
    "views.update": 4,
}
PER_CHANNEL = "chat.postMessage"


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    at: float

    def take(self, now: float) -> float:
        """0 when a token was taken; else the seconds until one is there."""
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


@dataclass
class RateLimits:
    """Slack's documented limits; `admit(method, channel)` answers None (go) or Retry-After."""

    tiers: dict[str, int] = field(default_factory=lambda: dict(METHOD_TIERS))
    post_per_second: float = 1.0
    post_burst: int = 3
    monotonic: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    limited: int = field(default=0, init=False)  # 429s answered, for benchmarks

    def admit(self, method: str, channel: str | None) -> int | None:
        """None when the call may go; else the Retry-After, in whole seconds (at least 1)."""
        if method == PER_CHANNEL:
            key, capacity, rate = f"{method}:{channel}", self.post_burst, self.post_per_second
        elif method in self.tiers:
            per_minute = TIER_PER_MINUTE[self.tiers[method]]
            key, capacity, rate = method, per_minute, per_minute / 60
        else:
            return None
        with self._lock:
            now = self.monotonic()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(capacity, rate, capacity, now)
            wait = bucket.take(now)
            if wait == 0:
                return None
            self.limited += 1
        return max(1, math.ceil(wait))


@dataclass(frozen=True)
class NetworkDelay:
    """The round trip of one Web API call, drawn uniformly from [low, high] seconds."""

    low: float = 0.1
    high: float = 0.3

    def draw(self) -> float:
        return random.uniform(self.low, self.high)


@dataclass
class _Slowdown:
    seconds: float
    times: int


class Slowdowns:
    """Extra latency for the next calls of a method (`SlackEmulator.slow_next`)."""

    def __init__(self) -> None:
        self._pending: dict[str, list[_Slowdown]] = {}
        self._lock = threading.Lock()

    def add(self, method: str, seconds: float, times: int) -> None:
        with self._lock:
            self._pending.setdefault(method, []).append(_Slowdown(seconds, times))

    def take(self, method: str) -> float:
        with self._lock:
            pending = self._pending.get(method) or []
            if not pending:
                return 0.0
            slowdown = pending[0]
            slowdown.times -= 1
            if slowdown.times <= 0:
                pending.pop(0)
            return slowdown.seconds


def wait_for_network(network: NetworkDelay | None, extra: float) -> None:
    """Sleep as long as the round trip takes (outside any lock: other calls go on meanwhile)."""
    delay = (network.draw() if network else 0.0) + extra
    if delay > 0:
        time.sleep(delay)
