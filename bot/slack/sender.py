"""The outbox sender: delivers outbox rows, surviving 429s, 5xx and restarts.

It claims due rows (FOR UPDATE SKIP LOCKED on PostgreSQL, so several instances can run), calls
the Web API, and marks each row delivered once; a row waits while an earlier row of its
ordering key is pending, and while a message it refers to is not posted yet. Interactive rows
go before bulk ones, calls go several at once, and each keeps to its lane's pace
(bot.slack.lanes): a 429 pauses that lane only, until Retry-After. A post whose answer was lost
(a timeout, a 5xx, a process that died or lost its database mid-call) is looked up before it is
posted again (bot.slack.settle), so it is posted once: every post is marked in `outbox_calls`,
committed before the call, and the mark goes with the recorded answer, so one left behind says
a call was made whose answer nobody recorded.
"""

from __future__ import annotations

import base64
import functools
import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import Select, and_, bindparam, delete, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.core import metrics
from bot.core.clock import Clock, utcnow
from bot.core.logs import get_logger
from bot.slack.lanes import Lanes, lane_of
from bot.slack.models import OutboxCall, OutboxMessage, OutboxStatus, SlackMessage
from bot.slack.outbox import FILE_UPLOAD, NotYetPosted, referenced_keys, resolve_refs
from bot.slack.settle import CannotLookUp, find_post, tagged
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
POST = "chat.postMessage"
# An earlier attempt that ended so may still have posted: look before posting again. (A 429 and
# a Slack refusal are answers: nothing was posted.)
DEFINITELY_NOT_POSTED = {"ratelimited"}
CONCURRENCY = 8  # calls in flight at once, each in its own lane
# Called with a row that failed for good, in the transaction that marks it failed.
FailureHook = Callable[[Session, OutboxMessage, str | None], None]


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
    """Pending rows that are due at `:now`, not in a closed lane (`:closed`, see bot.slack.lanes)
    and have no earlier pending row in their ordering key; interactive rows first, then oldest
    first; with `lock`, locked (FOR UPDATE SKIP LOCKED) for one PostgreSQL instance.

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
    open_lane = or_(
        OutboxMessage.lane.is_(None),
        OutboxMessage.lane.not_in(bindparam("closed", expanding=True)),
    )
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, ~blocked, due, open_lane)
        .order_by(OutboxMessage.priority, OutboxMessage.id)
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
    lane: str
    prepared: dict[str, Any] | Delivery
    settle: bool = False  # an earlier call may have posted it: look it up first


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
        concurrency: int = CONCURRENCY,
        lanes: Lanes | None = None,
        on_failure: FailureHook | None = None,
    ) -> None:
        self.db = db
        self.client = client
        self.on_failure = on_failure
        self.batch = batch
        self.idle_wait = idle_wait
        self.clock = clock
        self.lanes = lanes if lanes is not None else Lanes(clock)
        # Calls in different lanes go at once: with a 150 ms round trip, one at a time is 6.7
        # a second, and a person's answer would wait behind a whole batch of digests.
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="outbox-call")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        db.on_commit("outbox", self._wake.set)

    # -- the loop -------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> bool:
        """False if a batch's calls were still running after `timeout` (they are left to finish
        or die with the process: a post is marked before its call, so nothing is posted twice)."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=timeout)
        done = self._thread is None or not self._thread.is_alive()
        self._pool.shutdown(wait=done, cancel_futures=not done)
        return done

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
        """Send every row that is due now and whose lane is open; returns how many were
        attempted."""
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
        Every outcome is recorded in the same transaction; a crash rolls the claim back."""
        with self.db.transaction() as session:
            rows = session.scalars(
                _claim_statement(limit=self.batch, lock=True), self._claim_params()
            ).all()
            jobs = self._jobs(session, rows)
            self._mark_calls(jobs)
            outcomes = self._send_all(jobs)
            for row in rows:
                if row.id in outcomes:
                    self._record(session, row, outcomes[row.id])
            self._unmark_calls(session, outcomes)
            return len(outcomes)

    def _deliver_batch(self) -> int:
        """SQLite is one process with one sender. It reads the due rows from a snapshot, makes the
        calls outside any transaction, then records every outcome in one short write. So under
        load the sender takes SQLite's single write lock once per batch (twice when it has posts
        to mark first), not twice per message, and the handlers acking Slack wait on it that much
        less. A crash in the middle leaves the posts' marks: after the restart they are looked up,
        not posted again; updates are sent again, which changes nothing."""
        with self.db.read() as session:
            rows = session.scalars(
                _claim_statement(limit=self.batch, lock=False), self._claim_params()
            ).all()
            jobs = self._jobs(session, rows)
        self._mark_calls(jobs)
        outcomes = self._send_all(jobs)
        if outcomes:
            with self.db.transaction() as session:
                done = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(outcomes)))
                for row in done:
                    self._record(session, row, outcomes[row.id])
                self._unmark_calls(session, outcomes)
        return len(outcomes)

    def _claim_params(self) -> dict[str, Any]:
        return {"now": self.clock(), "closed": self.lanes.closed()}

    def _jobs(self, session: Session, rows: Sequence[OutboxMessage]) -> list[_Job]:
        """The claimed rows to send now: prepared, each spending its lane's budget. A row whose
        lane has no budget left, or that needs a message this batch posts, waits for a later
        batch (untouched: it is not an attempt)."""
        jobs: list[_Job] = []
        keys_in_batch: set[str] = set()
        posts = [row.id for row in rows if row.method == POST]
        called = (
            set(session.scalars(select(OutboxCall.row_id).where(OutboxCall.row_id.in_(posts))))
            if posts
            else set()
        )
        for row in rows:
            if self._stop.is_set():
                break
            if referenced_keys(row.payload) & keys_in_batch:
                continue
            prepared = self._prepare(session, row)
            lane = (
                lane_of(row.method, prepared.get("channel"))
                if isinstance(prepared, dict)
                else row.lane or row.method
            )
            if isinstance(prepared, dict) and not self.lanes.take(lane):
                continue
            jobs.append(
                _Job(
                    row.id,
                    row.method,
                    row.attempts,
                    lane,
                    prepared,
                    self._maybe_sent(row, row.id in called),
                )
            )
            if row.message_key:
                keys_in_batch.add(row.message_key)
        return jobs

    def _mark_calls(self, jobs: list[_Job]) -> None:
        """Mark the posts about to be called, committed on a connection of its own before any
        call (on PostgreSQL the claim's transaction stays open through the calls, and dies with
        the process or the server). If this fails, no call is made."""
        posts = [
            job.row_id for job in jobs if job.method == POST and isinstance(job.prepared, dict)
        ]
        if not posts:
            return
        now = self.clock()
        with self.db.transaction() as session:
            for row_id in posts:
                session.merge(OutboxCall(row_id=row_id, called_at=now))

    @staticmethod
    def _unmark_calls(session: Session, outcomes: dict[int, Delivery]) -> None:
        """In the transaction that records the answers: from then on the row tells the truth
        (delivered, or its last error says whether the post may have been made)."""
        session.execute(delete(OutboxCall).where(OutboxCall.row_id.in_(list(outcomes))))

    def _send_all(self, jobs: list[_Job]) -> dict[int, Delivery]:
        """Every lane's jobs at once, in the pool; within a lane one after another, in claim
        order (so a channel reads in the order things happened), stopping at a 429, which
        closes the lane until Retry-After. A job not tried stays pending, untouched."""
        by_lane: dict[str, list[_Job]] = {}
        for job in jobs:
            by_lane.setdefault(job.lane, []).append(job)
        outcomes: dict[int, Delivery] = {}
        for done in self._pool.map(self._send_lane, by_lane.values()):
            outcomes.update(done)
        return outcomes

    def _send_lane(self, jobs: list[_Job]) -> dict[int, Delivery]:
        outcomes: dict[int, Delivery] = {}
        for job in jobs:
            outcome = self._send_prepared(job)
            outcomes[job.row_id] = outcome
            if outcome.error == "ratelimited":
                self.lanes.pause(job.lane, outcome.delay)
                break
        return outcomes

    def next_due_in(self) -> float | None:
        """Seconds until a pending row may go (None when nothing is pending): 0 when one may
        now; else until the earliest is due or a closed lane opens. Rows waiting in a closed
        lane do not count as due: the loop sleeps until the lane opens instead of spinning."""
        now = self.clock()
        with self.db.read() as session:
            if session.scalar(_claim_statement(limit=1, lock=False), self._claim_params()):
                return 0.0
            pending = OutboxMessage.status == OutboxStatus.PENDING
            if session.scalar(select(OutboxMessage.id).where(pending).limit(1)) is None:
                return None
            due = session.scalar(
                select(func.min(OutboxMessage.not_before)).where(
                    pending, OutboxMessage.not_before > now
                )
            )
        waits = [self.idle_wait]
        if due is not None:
            waits.append((due - now).total_seconds())
        opens_in = self.lanes.opens_in()
        if opens_in is not None:
            waits.append(opens_in)
        return max(0.0, min(waits))

    def _send_prepared(self, job: _Job) -> Delivery:
        """Make the call, unless preparing the row already decided its outcome, or an earlier
        call turns out to have posted it."""
        if isinstance(job.prepared, Delivery):
            return job.prepared
        if job.settle:
            settled = self._settle(job)
            if settled is not None:
                metrics.outbox_outcome(job.method, settled.outcome, ratelimited=False)
                return settled
        with metrics.outbox_call():
            result = self._send(job.method, job.attempts, job.prepared)
        metrics.outbox_outcome(
            job.method, result.outcome, ratelimited=result.error == "ratelimited"
        )
        return result

    @staticmethod
    def _maybe_sent(row: OutboxMessage, called: bool) -> bool:
        """A post may already be in Slack when a call for it was made and never answered on
        record (`called`: its mark was left behind), or the last recorded answer was not a
        definite no."""
        if row.method != POST:
            return False
        if called:
            return True
        return row.attempts > 0 and row.last_error not in DEFINITELY_NOT_POSTED

    def _settle(self, job: _Job) -> Delivery | None:
        """The earlier call's message when Slack has it (the row is delivered as it); None to
        post now; a retry when the conversation could not be read just now."""
        assert isinstance(job.prepared, dict)
        try:
            found = find_post(self.client, job.prepared)
        except CannotLookUp as why:
            log.warning("outbox.unsettled", row=job.row_id, reason=str(why))
            return None
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            return self._retry_later(job.attempts, f"looking up: {error or exc}")
        except Exception as exc:
            return self._retry_later(job.attempts, f"looking up: {type(exc).__name__}: {exc}")
        if found is None:
            return None
        log.info("outbox.settled", row=job.row_id, channel=found.channel, ts=found.ts)
        return Delivery(Outcome.DELIVERED, channel=found.channel, ts=found.ts)

    def _prepare(self, session: Session, row: OutboxMessage) -> dict[str, Any] | Delivery:
        try:
            resolved = resolve_refs(session, row.payload)
            return tagged(resolved, row.id, row.created_at) if row.method == POST else resolved
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
                thread_ts=payload.get("thread_ts"),
            )
        return self.client.api_call(method, json=payload)

    def _on_slack_error(self, method: str, attempts: int, exc: SlackApiError) -> Delivery:
        status = exc.response.status_code
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if error == "ratelimited" or status == 429:
            headers = {k.lower(): v for k, v in exc.response.headers.items()}
            retry_after = float(headers.get("retry-after", 1))
            log.info("outbox.ratelimited", method=method, retry_after=retry_after)  # lane paused
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
        elif result.outcome == Outcome.FAILED or (
            row.attempts >= MAX_ATTEMPTS and result.error != "ratelimited"  # 429s: never lost
        ):
            row.status = OutboxStatus.FAILED
            log.warning("outbox.failed", row=row.id, method=row.method, error=result.error)
            if self.on_failure is not None:  # in this transaction: noticed exactly when recorded
                self.on_failure(session, row, result.error)
        else:
            row.not_before = now + timedelta(seconds=result.delay)
            log.info(
                "outbox.retry",
                row=row.id,
                method=row.method,
                error=result.error,
                delay=round(result.delay, 3),
            )
