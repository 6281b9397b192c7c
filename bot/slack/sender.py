"""The outbox sender: delivers outbox rows, surviving 429s, 5xx and restarts.

It claims due rows (FOR UPDATE SKIP LOCKED on PostgreSQL, so several instances can run), calls
the Web API, and marks each row delivered once; a row waits while an earlier row of its
ordering key is pending, and while a message it refers to is not posted yet.
"""

from __future__ import annotations

import base64
import functools
import random
import threading
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.core.clock import Clock, utcnow
from bot.core.logs import get_logger
from bot.slack.models import OutboxMessage, OutboxStatus, SlackMessage
from bot.slack.outbox import FILE_UPLOAD, NotYetPosted, referenced_keys, resolve_refs
from bot.storage.database import Database

log = get_logger(__name__)

# Slack errors worth another try; anything else is final (a bug or a config problem to log).
TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
}
MAX_ATTEMPTS = 10


class Outcome(StrEnum):
    """What one attempt at a row came to."""

    DELIVERED = "delivered"
    RETRY = "retry"  # a transient error: try again after `delay`
    WAIT = "wait"  # its parent message is not posted yet: not an attempt
    FAILED = "failed"


@dataclass
class Delivery:
    outcome: Outcome
    error: str | None = None
    delay: float = 0.0  # seconds before the next try (retry, wait)
    channel: str | None = None  # where a posted message landed
    ts: str | None = None


@functools.cache
def _claim_statement(*, limit: int, lock: bool) -> Select[tuple[OutboxMessage]]:
    """Pending rows that are due at `:now` and have no earlier pending row in their ordering
    key, oldest first; with `lock`, locked (FOR UPDATE SKIP LOCKED) for one PostgreSQL instance.

    Built once: building it (an alias of the table, its column proxies) took more CPU than
    running it, once per message on PostgreSQL."""
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        and_(
            earlier.ordering_key == OutboxMessage.ordering_key,
            earlier.status == OutboxStatus.PENDING,
            earlier.id < OutboxMessage.id,
        )
    )
    due = or_(OutboxMessage.not_before.is_(None), OutboxMessage.not_before <= bindparam("now"))
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, ~blocked, due)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return query.with_for_update(skip_locked=True, of=OutboxMessage) if lock else query


@dataclass(frozen=True)
class _Job:
    """A claimed row: what to call, and its payload with references filled in (or the reason
    it can't be sent yet)."""

    row_id: int
    method: str
    attempts: int
    prepared: dict[str, Any] | Delivery


class OutboxSender:
    """Delivers pending rows. `drain()` sends what is due; `start()` runs it in a thread."""

    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        batch: int = 20,
        idle_wait: float = 1.0,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.client = client
        self.batch = batch
        self.idle_wait = idle_wait
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        db.on_commit("outbox", self._wake.set)

    # -- the loop -------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=10)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.drain()
            except Exception:  # keep the sender alive through a database hiccup
                log.exception("outbox.drain_failed")
                sent = 0
            if sent == 0:
                due_in = self._safe_next_due_in()
                wait = self.idle_wait if due_in is None else min(self.idle_wait, due_in + 0.01)
                self._wake.wait(wait)
                self._wake.clear()

    def _safe_next_due_in(self) -> float | None:
        try:
            return self.next_due_in()
        except Exception:
            return None

    # -- one pass -------------------------------------------------------------------------
    def drain(self) -> int:
        """Send every row that is due now; returns how many were attempted."""
        attempted = 0
        while not self._stop.is_set():
            sent = self._deliver_locked_batch() if self.db.is_postgres else self._deliver_batch()
            if sent == 0:
                return attempted
            attempted += sent
        return attempted

    def _deliver_locked_batch(self) -> int:
        """PostgreSQL: the claimed rows stay locked (FOR UPDATE SKIP LOCKED) while their calls are
        made, so no other instance delivers them, and other rows and writers are not held up.
        Each outcome is recorded in the same transaction, so a reply later in the batch finds
        the message its parent just posted. A crash rolls the claim back."""
        with self.db.transaction() as session:
            rows = session.scalars(
                _claim_statement(limit=self.batch, lock=True), {"now": self.clock()}
            ).all()
            handled = 0
            for row in rows:
                if self._stop.is_set():
                    break  # the rest are released untouched when this commits
                self._record(session, row, self._prepare_and_send(session, row))
                handled += 1
            return handled

    def _deliver_batch(self) -> int:
        """SQLite is one process with one sender. It reads the due rows from a snapshot, makes the
        calls outside any transaction, then records every outcome in one short write. So under
        load the sender takes SQLite's single write lock once per batch, not twice per message,
        and the handlers acking Slack wait on it that much less. (A crash in the middle sends
        the batch's delivered rows again after the restart, as it would one row.)"""
        jobs = self._claim_batch()
        outcomes: dict[int, Delivery] = {}
        for job in jobs:
            if self._stop.is_set():
                break
            outcomes[job.row_id] = self._send_prepared(job.method, job.attempts, job.prepared)
        if outcomes:
            with self.db.transaction() as session:
                rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(outcomes)))
                for row in rows:
                    self._record(session, row, outcomes[row.id])
        return len(outcomes)

    def _claim_batch(self) -> list[_Job]:
        with self.db.read() as session:
            rows = session.scalars(
                _claim_statement(limit=self.batch, lock=False), {"now": self.clock()}
            ).all()
            jobs: list[_Job] = []
            keys_in_batch: set[str] = set()
            for row in rows:
                if referenced_keys(row.payload) & keys_in_batch:
                    break  # it needs a message this batch posts first: it goes in the next one
                jobs.append(_Job(row.id, row.method, row.attempts, self._prepare(session, row)))
                if row.message_key:
                    keys_in_batch.add(row.message_key)
        return jobs

    def next_due_in(self) -> float | None:
        """Seconds until the earliest pending row is due (None when nothing is pending)."""
        with self.db.read() as session:
            pending = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING)
            if session.scalar(pending.where(OutboxMessage.not_before.is_(None)).limit(1)):
                return 0.0
            due = session.scalar(
                select(func.min(OutboxMessage.not_before)).where(
                    OutboxMessage.status == OutboxStatus.PENDING
                )
            )
        return None if due is None else max(0.0, (due - self.clock()).total_seconds())

    def _prepare_and_send(self, session: Session, row: OutboxMessage) -> Delivery:
        return self._send_prepared(row.method, row.attempts, self._prepare(session, row))

    def _send_prepared(
        self, method: str, attempts: int, prepared: dict[str, Any] | Delivery
    ) -> Delivery:
        """Make the call, unless preparing the row already decided its outcome."""
        return (
            prepared if isinstance(prepared, Delivery) else self._send(method, attempts, prepared)
        )

    def _prepare(self, session: Session, row: OutboxMessage) -> dict[str, Any] | Delivery:
        try:
            return resolve_refs(session, row.payload)
        except NotYetPosted as missing:
            parent_pending = session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.message_key == str(missing),
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
            )
            if parent_pending is not None:
                return Delivery(Outcome.WAIT, f"waiting for {missing}")
            return Delivery(Outcome.FAILED, f"no posted message {missing}")

    def _send(self, method: str, attempts: int, payload: dict[str, Any]) -> Delivery:
        try:
            response = self._call(method, payload)
        except SlackApiError as exc:
            return self._on_slack_error(method, attempts, exc)
        except Exception as exc:  # connection refused, timeout, a 5xx without a Slack body
            return self._retry_later(attempts, f"{type(exc).__name__}: {exc}")
        return Delivery(Outcome.DELIVERED, channel=response.get("channel"), ts=response.get("ts"))

    def _call(self, method: str, payload: dict[str, Any]) -> SlackResponse:
        if method == FILE_UPLOAD:
            return self.client.files_upload_v2(
                channel=payload["channel"],
                content=base64.b64decode(payload["content_base64"]),
                filename=payload["filename"],
                title=payload["title"],
                initial_comment=payload["initial_comment"],
            )
        return self.client.api_call(method, json=payload)

    def _on_slack_error(self, method: str, attempts: int, exc: SlackApiError) -> Delivery:
        status = exc.response.status_code
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if error == "ratelimited" or status == 429:
            headers = {k.lower(): v for k, v in exc.response.headers.items()}
            retry_after = float(headers.get("retry-after", 1))
            log.info("outbox.ratelimited", method=method, retry_after=retry_after)
            return Delivery(Outcome.RETRY, "ratelimited", delay=retry_after)
        if status >= 500 or error in TRANSIENT_ERRORS:
            return self._retry_later(attempts, error or f"http {status}")
        return Delivery(Outcome.FAILED, error or f"http {status}")

    def _retry_later(self, attempts: int, error: str) -> Delivery:
        # Exponential backoff with jitter, capped at five minutes.
        delay = min(300.0, 0.5 * 2**attempts) * (0.5 + random.random() / 2)
        return Delivery(Outcome.RETRY, error, delay=delay)

    def _record(self, session: Session, row: OutboxMessage, result: Delivery) -> None:
        now = self.clock()
        if result.outcome == Outcome.WAIT:  # a parent not posted yet is not a failed attempt
            row.not_before = now + timedelta(milliseconds=200)
            return
        row.attempts += 1
        row.last_error = result.error
        if result.outcome == Outcome.DELIVERED:
            row.status = OutboxStatus.DELIVERED
            row.delivered_at = now
            if row.message_key and result.channel and result.ts:
                session.merge(
                    SlackMessage(
                        key=row.message_key, channel=result.channel, ts=result.ts, posted_at=now
                    )
                )
            log.info("outbox.delivered", row=row.id, method=row.method, attempts=row.attempts)
        elif result.outcome == Outcome.FAILED or row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
            log.warning("outbox.failed", row=row.id, method=row.method, error=result.error)
        else:
            row.not_before = now + timedelta(seconds=result.delay)
            log.info(
                "outbox.retry",
                row=row.id,
                method=row.method,
                error=result.error,
                delay=round(result.delay, 3),
            )
