"""Durable slow work: a task committed before the ack runs after it, once, and survives a crash.

Backoffs and leases are on the worker's clock: a test moves the clock past them, it does not sleep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.clock import utcnow
from bot.slack.outbox import enqueue
from bot.storage.database import Database
from bot.tasks.models import Task
from bot.tasks.service import PREPARE_LEASE, TaskWorker, enqueue_task
from tests.support.clock import Clock


def test_task_runs_once_and_its_effects_commit_with_it(db: Database) -> None:
    seen = []

    def handler(session, payload):  # type: ignore[no-untyped-def]
        seen.append(payload["n"])
        enqueue(session, "chat.postMessage", {"channel": "C01MKTG", "text": f"done {payload['n']}"})

    with db.transaction() as session:
        enqueue_task(session, "demo", {"n": 1}, now=utcnow())
    worker = TaskWorker(db, {"demo": handler})
    assert worker.run_pending() == 1
    assert worker.run_pending() == 0
    assert seen == [1]
    with db.transaction() as session:
        task = session.scalars(select(Task)).one()
        assert (task.status, task.attempts) == ("done", 1)


def test_failing_task_rolls_back_its_effects_and_is_retried_later(db: Database) -> None:
    calls = []

    def flaky(session, payload):  # type: ignore[no-untyped-def]
        calls.append(1)
        enqueue(session, "chat.postMessage", {"channel": "C01MKTG", "text": "half-done"})
        raise RuntimeError("model not loaded yet")

    with db.transaction() as session:
        enqueue_task(session, "demo", {}, now=utcnow())
    worker = TaskWorker(db, {"demo": flaky})
    assert worker.run_pending() == 1
    assert worker.run_pending() == 0  # backing off
    with db.transaction() as session:
        task = session.scalars(select(Task)).one()
        assert (task.status, task.attempts) == ("pending", 1)
        assert "model not loaded yet" in (task.last_error or "")
        from bot.slack.models import OutboxMessage

        assert session.scalars(select(OutboxMessage)).all() == []  # the half-done effect is gone


def test_a_task_left_by_a_dead_process_is_picked_up_by_the_next(db: Database) -> None:
    with db.transaction() as session:
        enqueue_task(session, "demo", {"n": 7}, now=utcnow())
    # The process that committed it died before its worker ran. The next one starts:
    ran = []
    TaskWorker(Database(db.url), {"demo": lambda s, p: ran.append(p["n"])}).run_pending()
    assert ran == [7]


def test_a_prepared_task_is_applied_once_and_leased_while_it_is_prepared(db: Database) -> None:
    """The slow step runs outside any transaction; meanwhile another instance leaves it alone."""
    other = TaskWorker(db)
    applied, other_ran = [], []

    def prepare(payload):  # type: ignore[no-untyped-def]
        other_ran.append(other.run_pending())  # a second instance, mid-preparation
        return payload["n"] * 10

    def apply(session, payload, prepared):  # type: ignore[no-untyped-def]
        applied.append(prepared)
        enqueue(session, "chat.postMessage", {"channel": "C01MKTG", "text": f"got {prepared}"})

    for worker in (other, mine := TaskWorker(db)):
        worker.register_prepared("slow", prepare, apply)
    with db.transaction() as session:
        enqueue_task(session, "slow", {"n": 4}, now=utcnow())
    assert mine.run_pending() == 1
    assert (other_ran, applied) == ([0], [40])
    assert mine.run_pending() == 0 and other.run_pending() == 0
    with db.transaction() as session:
        assert session.scalars(select(Task.status)).all() == ["done"]


def test_a_failed_preparation_leaves_the_task_for_a_retry(db: Database) -> None:
    def prepare(payload):  # type: ignore[no-untyped-def]
        raise RuntimeError("model still loading")

    worker = TaskWorker(db)
    worker.register_prepared("slow", prepare, lambda session, payload, prepared: None)
    with db.transaction() as session:
        enqueue_task(session, "slow", {}, now=utcnow())
    assert worker.run_pending() == 1
    with db.transaction() as session:
        task = session.scalars(select(Task)).one()
        assert (task.status, task.attempts) == ("pending", 1)
        assert "model still loading" in (task.last_error or "")


def test_a_failed_task_runs_again_once_the_clock_passes_its_backoff(db: Database) -> None:
    errors = [RuntimeError("model not loaded yet")]

    def flaky(session, payload):  # type: ignore[no-untyped-def]
        if errors:
            raise errors.pop()

    clock = Clock()
    with db.transaction() as session:
        enqueue_task(session, "demo", {}, now=clock())
    worker = TaskWorker(db, {"demo": flaky}, clock=clock)
    assert worker.run_pending() == 1  # failed once: again in 2 s
    clock.advance(seconds=1.9)
    assert worker.run_pending() == 0
    clock.advance(seconds=0.1)
    assert worker.run_pending() == 1
    with db.transaction() as session:
        task = session.scalars(select(Task)).one()
        assert (task.status, task.attempts) == ("done", 2)


class ProcessDied(BaseException):
    """The process preparing a task dies (not an error the worker can record)."""


@pytest.mark.parametrize("lease", [PREPARE_LEASE, timedelta(seconds=10)])
def test_a_task_whose_preparer_died_is_taken_over_when_its_lease_runs_out(
    db: Database, lease: timedelta
) -> None:
    """The lease is PREPARE_LEASE unless the worker is given another (MOPSBOT_TASK_LEASE)."""

    def die(payload):  # type: ignore[no-untyped-def]
        raise ProcessDied

    applied = []
    clock = Clock()
    with db.transaction() as session:
        enqueue_task(session, "slow", {"n": 4}, now=clock())
    dying = TaskWorker(db, clock=clock, prepare_lease=lease)
    other = TaskWorker(db, clock=clock, prepare_lease=lease)
    dying.register_prepared("slow", die, lambda session, payload, prepared: None)
    other.register_prepared(
        "slow", lambda payload: payload["n"] * 10, lambda s, p, prepared: applied.append(prepared)
    )
    with pytest.raises(ProcessDied):
        dying.run_pending()
    assert other.run_pending() == 0  # leased to the instance that died
    clock.now += lease - timedelta(seconds=1)
    assert other.run_pending() == 0
    clock.advance(seconds=1)
    assert other.run_pending() == 1
    assert applied == [40]
    with db.transaction() as session:
        assert session.scalars(select(Task.status)).all() == ["done"]
