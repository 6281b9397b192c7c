"""The bot's Prometheus metrics: the metric objects, and one small function per fact recorded.

Callers (the Bolt app, the outbox sender, the reminder and digest ticks, the intake worker) call
these functions and nothing else of prometheus_client, so what is measured and how it is named
lives here. Facts read from the database (outbox depth, the task queue) are not kept here: they
are computed when /metrics is scraped (bot.app.scrape), so every instance reports the same.

Multi-process safe: with PROMETHEUS_MULTIPROC_DIR set (before this module is imported), every
process writes its values to files in that folder and /metrics sums them. The one live gauge
(calls in flight) says how to combine processes (`livesum`: the live processes' values added).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram, multiprocess

# Slack wants an ack within 3 seconds: the buckets are fine below it and say when it was missed.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
CLASSIFY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)

DELIVERIES = Counter(
    "mopsbot_slack_deliveries",
    "Requests from Slack (events, commands, clicks, form submissions), by type and outcome: "
    "ok, duplicate (a redelivery or double click that changed nothing), rejected (4xx), "
    "error (5xx)",
    ["type", "outcome"],
)
REDELIVERIES = Counter(
    "mopsbot_slack_retries_received",
    "Requests Slack marked as a retry (X-Slack-Retry-Num), by type",
    ["type"],
)
ACK_SECONDS = Histogram(
    "mopsbot_ack_seconds",
    "Time from a request's arrival to its ack (listeners run before the ack), by type",
    ["type"],
    buckets=ACK_BUCKETS,
)
OUTBOX_CALLS = Counter(
    "mopsbot_outbox_calls",
    "Web API calls made for outbox rows, by method and outcome: delivered, retry, failed",
    ["method", "outcome"],
)
RATELIMITED = Counter(
    "mopsbot_slack_ratelimited",
    "Web API calls Slack answered with 429 ratelimited, by method",
    ["method"],
)
CALLS_IN_FLIGHT = Gauge(
    "mopsbot_outbox_calls_in_flight",
    "Web API calls for outbox rows being made now",
    multiprocess_mode="livesum",
)
REMINDERS_SENT = Counter(
    "mopsbot_reminders_sent",
    "SLA reminders sent, by kind: reminder (before the deadline), escalation (at the breach), "
    "repeat (after the escalation)",
    ["kind"],
)
DIGESTS_SENT = Counter(
    "mopsbot_digests_sent",
    "Digests sent, by kind: channel, user, weekly_chart, weekly_goals, experiments",
    ["kind"],
)
CLASSIFY_SECONDS = Histogram(
    "mopsbot_intake_classify_seconds",
    "Time to judge one intake message (the model and the compliance check)",
    buckets=CLASSIFY_BUCKETS,
)
CONFIDENCE = Histogram(
    "mopsbot_intake_confidence",
    "The intake model's confidence in its top label, by what was decided (confident, "
    "low_confidence, close_call, out_of_scope)",
    ["reason"],
    buckets=CONFIDENCE_BUCKETS,
)


# -- incoming deliveries --------------------------------------------------------------------


@dataclass
class _DeliveryNote:
    """What a delivery's listener found out that the dispatcher can't see: a key already taken."""

    duplicate: bool = False


_current: ContextVar[_DeliveryNote | None] = ContextVar("mopsbot_delivery", default=None)


@contextmanager
def delivery(kind: str, *, retry: bool) -> Iterator[_DeliveryNote]:
    """Around one dispatched request (its listener runs in this thread, before the ack)."""
    if retry:
        REDELIVERIES.labels(kind).inc()
    note = _DeliveryNote()
    token = _current.set(note)
    try:
        yield note
    finally:
        _current.reset(token)


def seen_before() -> None:
    """The delivery being handled was handled before (its idempotency key was taken)."""
    note = _current.get()
    if note is not None:
        note.duplicate = True


def delivered(kind: str, status: int, seconds: float, note: _DeliveryNote) -> None:
    if status >= 500:
        outcome = "error"
    elif status >= 400:
        outcome = "rejected"
    else:
        outcome = "duplicate" if note.duplicate else "ok"
    DELIVERIES.labels(kind, outcome).inc()
    ACK_SECONDS.labels(kind).observe(seconds)


# -- outgoing calls --------------------------------------------------------------------------


@contextmanager
def outbox_call() -> Iterator[None]:
    with CALLS_IN_FLIGHT.track_inprogress():
        yield


def outbox_outcome(method: str, outcome: str, *, ratelimited: bool = False) -> None:
    OUTBOX_CALLS.labels(method, outcome).inc()
    if ratelimited:
        RATELIMITED.labels(method).inc()


def ratelimited_counts() -> dict[str, int]:
    """429s by method since this process started (for `/mops health`)."""
    return {
        sample.labels["method"]: int(sample.value)
        for family in RATELIMITED.collect()
        for sample in family.samples
        if sample.name.endswith("_total") and sample.value
    }


# -- scheduled sends and the intake model -----------------------------------------------------


def reminder_sent(kind: str) -> None:
    REMINDERS_SENT.labels(kind).inc()


def digest_sent(kind: str) -> None:
    DIGESTS_SENT.labels(kind).inc()


def classified(seconds: float, confidence: float, reason: str) -> None:
    CLASSIFY_SECONDS.observe(seconds)
    CONFIDENCE.labels(reason).observe(confidence)


def process_exiting() -> None:
    """With PROMETHEUS_MULTIPROC_DIR: this process's live gauges stop counting (its counters
    stay, as Prometheus expects of counters)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())
