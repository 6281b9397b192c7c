"""Durable slow work: rows committed before Slack gets its ack, run by a worker after it.

Bolt's lazy listeners run in a thread and die with the process; a task row does not. A handler
runs in the same transaction that marks its row done, so its effects and its completion commit
together, and a crash means the row is simply picked up again.

A kind may also have a `prepare` step: slow, read-only work (running the intake model) done
between two short transactions, so that it never holds SQLite's single write lock while acks
wait. Its result reaches the handler; a task prepared twice (two instances) is applied once.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.clock import Clock, utcnow
from bot.core.logs import get_logger
from bot.storage.database import Database, signal_after_commit
from bot.tasks.models import Task, TaskStatus

log = get_logger(__name__)

TaskHandler = Callable[[Session, dict[str, Any]], None]
PreparedHandler = Callable[[Session, dict[str, Any], Any], None]
Preparer = Callable[[dict[str, Any]], Any]
MAX_ATTEMPTS = 5
PREPARE_LEASE = timedelta(seconds=60)  # far longer than classifying one message takes


def enqueue_task(session: Session, kind: str, payload: dict[str, Any], *, now: datetime) -> Task:
    """A task due at `now`, run by a worker once this transaction commits."""
    task = Task(kind=kind, payload=payload, status=TaskStatus.PENDING, attempts=0, not_before=now)
    session.add(task)
    signal_after_commit(session, "tasks")
    return task


class TaskWorker:
    def __init__(
        self,
        db: Database,
        handlers: dict[str, TaskHandler] | None = None,
        *,
        idle_wait: float = 1.0,
        clock: Clock = utcnow,
        prepare_lease: timedelta = PREPARE_LEASE,
    ) -> None:
        self.db = db
        self.prepare_lease = prepare_lease
        self.handlers: dict[str, TaskHandler] = dict(handlers or {})
        self.prepared: dict[str, tuple[Preparer, PreparedHandler]] = {}
        self.idle_wait = idle_wait
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        db.on_commit("tasks", self._wake.set)

    def register(self, kind: str, handler: TaskHandler) -> None:
        self.handlers[kind] = handler

    def register_prepared(self, kind: str, prepare: Preparer, handler: PreparedHandler) -> None:
        """`prepare(payload)` runs outside any transaction; `handler(session, payload, prepared)`
        then runs in the transaction that marks the task done."""
        self.prepared[kind] = (prepare, handler)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="task-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> bool:
        """False if a task was still running after `timeout` (its row stays pending, or leased,
        and runs again: the lease expires)."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=timeout)
        return self._thread is None or not self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_pending()
            except Exception:
                log.exception("tasks.loop_failed")
                ran = 0
            if ran == 0:
                self._wake.wait(self.idle_wait)
                self._wake.clear()

    def run_pending(self, limit: int = 100) -> int:
        ran = 0
        while ran < limit and not self._stop.is_set() and self._run_one():
            ran += 1
        return ran

    def _claim(self, session: Session, task_id: int | None = None) -> Task | None:
        kinds = [*self.handlers, *self.prepared]
        query = select(Task).where(Task.status == TaskStatus.PENDING, Task.kind.in_(kinds))
        if task_id is None:
            query = query.where(Task.not_before <= self.clock()).order_by(Task.id).limit(1)
        else:
            query = query.where(Task.id == task_id)
        if self.db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        return session.scalars(query).first()

    def _run_one(self) -> bool:
        with self.db.transaction() as session:
            task = self._claim(session)
            if task is None:
                return False
            if task.kind not in self.prepared:
                handler, task_payload = self.handlers[task.kind], task.payload
                self._execute(task, lambda: handler(session, task_payload), session)
                return True
            task_id, kind, payload = task.id, task.kind, dict(task.payload)
            # A lease: other instances skip the task while this one prepares it, and take it
            # over if this one dies before applying (the row is still pending).
            task.not_before = self.clock() + self.prepare_lease
        prepare, apply = self.prepared[kind]
        try:
            prepared = prepare(payload)
        except Exception:
            error = traceback.format_exc(limit=5)
            with self.db.transaction() as session:
                task = self._claim(session, task_id)
                if task is not None:
                    self._record_failure(task, error)
            return True
        with self.db.transaction() as session:
            task = self._claim(session, task_id)
            if task is not None:  # else another instance applied it meanwhile
                task_payload = task.payload
                self._execute(task, lambda: apply(session, task_payload, prepared), session)
        return True

    def _execute(self, task: Task, run: Callable[[], None], session: Session) -> None:
        try:
            with session.begin_nested():
                run()
            task.status = TaskStatus.DONE
            task.attempts += 1
            task.finished_at = self.clock()
            log.info("task.done", task=task.id, kind=task.kind)
        except Exception:
            # The savepoint rolled the handler's effects back; the row records the failure.
            self._record_failure(task, traceback.format_exc(limit=5))

    def _record_failure(self, task: Task, error: str) -> None:
        task.attempts += 1
        task.last_error = error[-2000:]
        if task.attempts >= MAX_ATTEMPTS:
            task.status = TaskStatus.FAILED
            log.error("task.failed", task=task.id, kind=task.kind, attempts=task.attempts)
        else:
            task.not_before = self.clock() + timedelta(seconds=2**task.attempts)
            log.warning("task.retry", task=task.id, kind=task.kind, attempts=task.attempts)
