"""What the property tests of the bot's entry points share: raw HTTP to the running bot, Slack's
signature, a snapshot of every table, and the log lines one request wrote.

"Stores nothing" is checked on every table of the schema (Base.metadata), on SQLite and on
PostgreSQL alike: a refused delivery may leave only its own idempotency key and the answer to the
person (an ephemeral, or their Home tab drawn again), never a domain row.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.app.config import Settings
from bot.app.local import LocalBot
from bot.app.tables import Base
from bot.slack.models import OutboxMessage
from bot.storage.database import Database
from tests.support.bots import running_bot

# What a refusal may write: its delivery key, and the answer to the person.
ANSWER_TABLES = {"handled_deliveries", "outbox"}
ANSWER_METHODS = {"chat.postEphemeral", "views.publish"}


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    method: str = "POST",
    path: str | None = None,
) -> Answer:
    """One request exactly as given (urllib would add, fix or refuse headers)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.putrequest(method, path or parts.path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if "Content-Length" not in headers:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, response.read(), dict(response.getheaders()))
    finally:
        connection.close()


def secret_of(local: LocalBot) -> str:
    secret = local.runtime.settings.slack_signing_secret
    assert secret is not None
    return secret.get_secret_value()


def signed(local: LocalBot, body: bytes, content_type: str, *, age: int = 0) -> dict[str, str]:
    """Slack's headers for `body`, signed `age` seconds ago (negative: in the future)."""
    timestamp = str(int(time.time()) - age)
    signature = SignatureVerifier(secret_of(local)).generate_signature(
        timestamp=timestamp, body=body.decode("utf-8")
    )
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature or "",
    }


def row_counts(local: LocalBot) -> dict[str, int]:
    with local.runtime.db.read() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def domain_counts(local: LocalBot) -> dict[str, int]:
    return {k: v for k, v in row_counts(local).items() if k not in ANSWER_TABLES}


def domain_rows(local: LocalBot) -> dict[str, list[str]]:
    """Every row of every domain table, so that an update shows as well as an insert (the
    tables of these tests hold a brief or two)."""
    with local.runtime.db.read() as session:
        return {
            table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
            for table in Base.metadata.sorted_tables
            if table.name not in ANSWER_TABLES
        }


def newest_outbox_id(local: LocalBot) -> int:
    with local.runtime.db.read() as session:
        return session.scalar(select(func.max(OutboxMessage.id))) or 0


def outbox_since(local: LocalBot, after: int) -> list[OutboxMessage]:
    with local.runtime.db.read() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
            )
        )


def only_answers_to(local: LocalBot, after: int, user: str | None) -> list[dict[str, Any]]:
    """The Slack calls enqueued since `after`; each must be an answer to `user` alone."""
    rows = outbox_since(local, after)
    for row in rows:
        assert row.method in ANSWER_METHODS, (row.method, row.payload)
        assert (row.payload.get("user") or row.payload.get("user_id")) == user, row.payload
    return [row.payload for row in rows]


@contextmanager
def quiet_bot(db: Database) -> Iterator[LocalBot]:
    """The real bot without its scheduler: a digest or reminder tick would write rows of its
    own between an example's before and after."""
    with running_bot(Settings(database_url=db.url), schedule=False) as running:
        yield running


class RequestLines(logging.Handler):
    """Log records by thread: the lines written while the server handled one request are
    those of waitress's worker threads (the sender and scheduler threads have their own)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        with self._lock:
            taken, self.records = self.records, []
        return taken


@contextmanager
def request_lines() -> Iterator[RequestLines]:
    handler = RequestLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def one_line_about_it(records: list[logging.LogRecord]) -> logging.LogRecord:
    """Exactly one line from the request's own thread, and no traceback or error anywhere."""
    for record in records:
        assert record.exc_info is None and "Traceback" not in record.getMessage(), (
            record.getMessage()
        )
        assert record.levelno < logging.ERROR, record.getMessage()
    served = [r for r in records if r.threadName.startswith("waitress")]
    assert len(served) == 1, [r.getMessage() for r in served]
    return served[0]
