"""Slack's side of a delivery under faults: every request is sent again, with X-Slack-Retry-Num,
until an instance acks it (Slack retries deliveries it did not get a 2xx for), spread over the
instances as a load balancer would, skipping one that refuses connections."""

from __future__ import annotations

import http.client
import itertools
import threading
import time
import urllib.error
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.signed import DeliveryResult, SignedSender

# Slack gives up after three retries; a restart on a busy machine can take longer than Slack's
# schedule, so the harness keeps retrying (the header stays at 3) until this deadline: a
# delivery is then acked exactly when its cause must have an effect.
REDELIVER_FOR = 180.0
SLACK_MAX_RETRY = 3


@dataclass
class DeliveryStats:
    """Counted across every sender of a run (thread-safe)."""

    sent: int = 0  # distinct deliveries (first attempts)
    redeliveries: int = 0
    acks: list[float] = field(default_factory=list)  # seconds to the ack, first attempts only
    lock: threading.Lock = field(default_factory=threading.Lock)

    def first(self) -> None:
        with self.lock:
            self.sent += 1

    def again(self) -> None:
        with self.lock:
            self.redeliveries += 1

    def acked(self, seconds: float, first_attempt: bool) -> None:
        if first_attempt:
            with self.lock:
                self.acks.append(seconds)


class Instances:
    """The bot URLs behind the load balancer, taken in turn."""

    def __init__(self, urls: Sequence[str]) -> None:
        self._urls = list(urls)
        self._turn = itertools.cycle(range(len(self._urls)))
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            return self._urls[next(self._turn)]


class RedeliveringSender(SignedSender):
    def __init__(
        self,
        instances: Instances,
        signing_secret: str,
        stats: DeliveryStats,
        timeout: float = 10.0,
        on_ack: Callable[[DeliveryResult], None] | None = None,
    ) -> None:
        super().__init__(instances.next(), signing_secret, timeout)
        self.instances = instances
        self.stats = stats
        self.on_ack = on_ack

    def post(self, body: str, content_type: str, **options: Any) -> DeliveryResult:
        if (
            options.get("retry_num") is not None
            or options.get("stale")
            or options.get("bad_signature")
        ):
            return super().post(body, content_type, **options)
        self.stats.first()
        deadline = time.monotonic() + REDELIVER_FOR
        attempt = 0
        while True:
            self.url = self.instances.next()
            retry = {"retry_num": min(attempt, SLACK_MAX_RETRY)} if attempt else {}
            try:
                result = super().post(body, content_type, **retry)
            except (urllib.error.URLError, http.client.HTTPException, OSError):
                result = None  # refused, reset, timed out: Slack retries these
            if result is not None and result.status < 500:
                self.stats.acked(result.elapsed, first_attempt=attempt == 0)
                return result
            if time.monotonic() > deadline:
                raise TimeoutError(f"no instance acked a delivery within {REDELIVER_FOR:g} s")
            attempt += 1
            self.stats.again()
            time.sleep(min(2.0, 0.25 * attempt))
