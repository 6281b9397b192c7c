"""Engine, sessions and migrations.

One unit of work per cause: `with db.transaction() as session:` commits everything or nothing.
SQLite is the embedded default; PostgreSQL is the production database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.fair_lock import FairLock

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# How long a SQLite writer waits for another process's write lock (this process's writers queue
# on a FairLock first). Under Slack's 3-second ack deadline: a delivery that cannot write in
# time answers 503 at once and Slack retries it, instead of hanging past the deadline, when
# Slack retries anyway and the person already sees an error.
SQLITE_LOCK_WAIT_SECONDS = 2.0
# The PostgreSQL advisory lock `migrate` holds: a fixed key every instance agrees on ("mops").
MIGRATION_LOCK_KEY = 0x6D6F7073


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_LOCK_WAIT_SECONDS},
        )
        _sqlite_transactions(engine, read_only=read_only)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_transactions(engine: Engine, *, read_only: bool) -> None:
    """WAL, and BEGIN IMMEDIATE for writers: a transaction takes the write lock up front, so two
    writers queue instead of failing when a reader tries to upgrade. A read-only engine begins
    deferred transactions, which in WAL mode read a snapshot without waiting for any writer."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL survives a killed process (the WAL is in the OS cache); only a power
        # cut can lose the last commits. FULL would fsync every ack.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_LOCK_WAIT_SECONDS * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")  # a write through a read session fails loudly
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """The engine, a session factory, and commit signals for in-process workers."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Reads that must not write: on SQLite an engine of their own (deferred BEGIN, query_only),
        # on PostgreSQL read-only transactions from the same pool (its readers never wait anyway).
        self._read_engine = (
            make_engine(url, read_only=True)
            if url.startswith("sqlite")
            else self.engine.execution_options(postgresql_readonly=True)
        )
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)
        self._commit_listeners: list[tuple[str, Callable[[], None]]] = []
        self._lock = threading.Lock()
        self._writer: AbstractContextManager = (
            FairLock() if url.startswith("sqlite") else nullcontext()
        )
        event.listen(self._sessions, "after_commit", self._after_commit)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        # SQLite has one writer at a time. Queue writers on a lock in this process (woken the
        # moment the holder commits) rather than on SQLite's busy handler, which sleeps in steps
        # of up to 100 ms and turns a burst of clicks into seconds of tail latency.
        with self._writer, self._sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent snapshot to read from, without the writer lock: for work that changes
        nothing (a claim of due work on SQLite, a view to render). Closing it rolls it back."""
        with self._read_sessions() as session:
            yield session

    def session(self) -> Session:
        return self._sessions()

    def on_commit(self, signal: str, listener: Callable[[], None]) -> None:
        """Call `listener()` after each commit that raised `signal` (see signal_after_commit)."""
        with self._lock:
            self._commit_listeners.append((signal, listener))

    def _after_commit(self, session: Session) -> None:
        for callback in session.info.pop("after_commit", []):
            callback()
        signals: set[str] = session.info.pop("signals", set())
        if signals:
            for signal, listener in list(self._commit_listeners):
                if signal in signals:
                    listener()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine.pool is not self.engine.pool:
            self._read_engine.dispose()


# What the database said, in words for the log line of a delivery it refused (SQLite's and
# PostgreSQL's own messages, matched on their stable parts).
_TROUBLES = {
    "database is locked": "the database is locked by another process",
    "database or disk is full": "the disk (or the database's size limit) is full",
    "disk I/O error": "the disk failed to write",
    "server closed the connection": "the database server closed the connection",
    "connection refused": "the database server refused the connection",
    "terminating connection": "the database server ended the connection",
    "the database system is": "the database server is starting or shutting down",
    "consuming input failed": "the connection to the database server was cut",
    "connection is closed": "the connection to the database server was cut",
    "connection timeout expired": "the database server did not answer",
}


def storage_failure(error: BaseException) -> str | None:
    """Why the database could not take a write, in words, when `error` says it could not
    (locked, full, unreachable, a connection cut); None for any other error (a bug)."""
    if not isinstance(error, (OperationalError, DBAPIError)):
        return None
    said = str(error.orig if error.orig is not None else error)
    for marker, words in _TROUBLES.items():
        if marker.lower() in said.lower():
            return words
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return "the database could not be reached"
    return None


def signal_after_commit(session: Session, name: str) -> None:
    """Ask the workers to wake up once this session commits (never before: they'd see nothing)."""
    session.info.setdefault("signals", set()).add(name)


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Call `callback()` once this session commits; never when it rolls back (a count of what
    was sent must not count what was not)."""
    session.info.setdefault("after_commit", []).append(callback)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`.

    On PostgreSQL several instances may start at once and each runs this: an advisory lock makes
    one migrate while the others wait, then find nothing left to do. The lock is held by a
    connection of its own (Alembic's runs in transactions that may not span the whole upgrade)
    and ends with that connection's session, so a process killed mid-migration releases it.
    SQLite is a single instance's file and needs no lock."""
    if make_url(url).get_backend_name() != "postgresql":
        command.upgrade(alembic_config(url), revision)
        return
    lock_engine = create_engine(url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with lock_engine.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                command.upgrade(alembic_config(url), revision)
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
    finally:
        lock_engine.dispose()


def head_revision() -> str | None:
    """The newest migration this code ships (what `migrate` brings a database to)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(db: Database) -> str | None:
    """The migration the database is at; None for one never migrated."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class NoDatabase(Exception):
    """A command that reads the database found none to read; the message is one line for people."""


def open_existing(url: str) -> Database:
    """The database at `url`, for a command that only reads it (an export, retraining from it).

    A missing SQLite file is an error, not a new empty file; so is a database that was never
    migrated, or a server that can't be reached."""
    shown = make_url(url).render_as_string(hide_password=True)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not Path(path).exists():
            raise NoDatabase(
                f"there is no database at {path}: run `mopsbot migrate` first, or set DATABASE_URL"
            )
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            migrated = inspect(connection).has_table("alembic_version")
    except OperationalError as exc:
        db.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
        raise NoDatabase(f"can't reach the database {shown}: {reason}") from None
    if not migrated:
        db.dispose()
        raise NoDatabase(f"the database {shown} is not set up: run `mopsbot migrate` first")
    return db
