"""Read sessions: a snapshot that waits for no writer and cannot write."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from bot.slack.deliveries import claim_delivery
from bot.slack.models import HandledDelivery
from bot.storage.database import Database


def count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(HandledDelivery))


def test_a_read_sees_what_was_committed_and_not_what_is_in_flight(db: Database) -> None:
    with db.transaction() as session:
        claim_delivery(session, "event:1", "event")
    writing, finish = threading.Event(), threading.Event()

    def writer() -> None:
        with db.transaction() as session:
            claim_delivery(session, "event:2", "event")
            session.flush()
            writing.set()
            finish.wait(timeout=5)

    thread = threading.Thread(target=writer)
    thread.start()
    assert writing.wait(timeout=5)
    try:
        with db.read() as session:  # does not wait for the writer holding the lock
            assert count(session) == 1
    finally:
        finish.set()
        thread.join(timeout=5)
    with db.read() as session:
        assert count(session) == 2


def test_a_read_session_cannot_write(db: Database) -> None:
    with pytest.raises(DBAPIError, match="read-?only"), db.read() as session:
        claim_delivery(session, "event:3", "event")
    with db.read() as session:
        assert count(session) == 0
    with db.transaction() as session:  # the pool's connections were handed back writable
        assert claim_delivery(session, "event:3", "event")
