"""The outbox against the emulator: retries, Retry-After, thread order, exactly-once marking, restarts.

Waits for a retry are on the sender's clock: a test moves the clock past them, it does not sleep."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.core.clock import utcnow
from bot.emulator import SlackEmulator
from bot.slack.lanes import Lanes
from bot.slack.models import OutboxCall, OutboxMessage, SlackMessage
from bot.slack.outbox import channel_of, enqueue, enqueue_file, ts_of
from bot.slack.sender import OutboxSender
from bot.storage.database import SQLITE_LOCK_WAIT_SECONDS, Database
from tests.support.clock import Clock
from tests.support.waiting import eventually


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def sender_for(db: Database, emulator: SlackEmulator, **kwargs) -> OutboxSender:  # type: ignore[no-untyped-def]
    """A sender that does not pace itself: this emulator keeps no rate limits, and these tests
    are about retries and order (tests/unit/test_outbox_lanes.py is about the pace)."""
    client = WebClient(token=emulator.bot_token, base_url=emulator.api_url, retry_handlers=[])
    kwargs.setdefault("lanes", Lanes(kwargs.get("clock", utcnow), paced=False))
    return OutboxSender(db, client, **kwargs)


def post(db: Database, text: str, **keys: str) -> int:
    with db.transaction() as session:
        row = enqueue(session, "chat.postMessage", {"channel": "C01MKTG", "text": text}, **keys)
        session.flush()
        return row.id


def rows(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_message_delivered_once_and_marked(db: Database, emulator: SlackEmulator) -> None:
    post(db, "hello")
    sender = sender_for(db, emulator)
    assert sender.drain() == 1
    assert sender.drain() == 0
    assert [m.text for m in emulator.messages("C01MKTG")] == ["hello"]
    (row,) = rows(db)
    assert (row.status, row.attempts) == ("delivered", 1)
    assert row.delivered_at is not None


def test_ratelimited_waits_for_retry_after_then_delivers_once(
    db: Database, emulator: SlackEmulator
) -> None:
    emulator.fail_next("chat.postMessage", error="ratelimited", retry_after=1, times=1)
    post(db, "after the limit")
    clock = Clock()
    sender = sender_for(db, emulator, clock=clock)
    assert sender.drain() == 1  # Slack says: retry after a second
    clock.advance(seconds=0.99)
    assert sender.drain() == 0  # honoured Retry-After, on the sender's clock
    clock.advance(seconds=0.01)
    assert sender.drain() == 1
    attempts = [call for call in emulator.calls_to("chat.postMessage")]
    assert [call.error for call in attempts] == ["ratelimited", None]
    (message,) = emulator.messages("C01MKTG")
    assert message.text == "after the limit"
    (row,) = rows(db)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 2, None)


def test_server_error_is_retried_with_backoff(db: Database, emulator: SlackEmulator) -> None:
    emulator.fail_next("chat.postMessage", error=None, status=503, times=2)
    post(db, "eventually")
    clock = Clock()
    sender = sender_for(db, emulator, clock=clock)
    backoffs = []
    for _ in range(2):
        assert sender.drain() == 1  # a 503: tried, and due again after a backoff
        (row,) = rows(db)
        backoffs.append((row.not_before - clock()).total_seconds())
        assert sender.drain() == 0  # not before the backoff is over
        clock.now = row.not_before
    assert sender.drain() == 1
    assert 0.25 <= backoffs[0] <= 0.5 <= backoffs[1] <= 1.0  # doubling, with jitter
    assert len(emulator.messages("C01MKTG")) == 1
    assert rows(db)[0].attempts == 3


def test_permanent_error_fails_row_without_blocking_the_thread(
    db: Database, emulator: SlackEmulator
) -> None:
    with db.transaction() as session:
        enqueue(session, "chat.postMessage", {"channel": "C404", "text": "lost"}, ordering_key="k")
        enqueue(
            session, "chat.postMessage", {"channel": "C01MKTG", "text": "next"}, ordering_key="k"
        )
    sender_for(db, emulator).drain()
    first, second = rows(db)
    assert (first.status, first.last_error) == ("failed", "channel_not_found")
    assert second.status == "delivered"


def test_thread_replies_follow_their_parent_in_order(db: Database, emulator: SlackEmulator) -> None:
    with db.transaction() as session:
        enqueue(
            session,
            "chat.postMessage",
            {"channel": "C01MKTG", "text": "parent"},
            ordering_key="brief:1",
            message_key="brief:1",
        )
        for n in range(3):
            enqueue(
                session,
                "chat.postMessage",
                {
                    "channel": channel_of("brief:1"),
                    "thread_ts": ts_of("brief:1"),
                    "text": f"reply {n}",
                },
                ordering_key="brief:1",
            )
        enqueue(
            session,
            "chat.update",
            {"channel": channel_of("brief:1"), "ts": ts_of("brief:1"), "text": "parent, edited"},
            ordering_key="brief:1",
        )
    emulator.fail_next("chat.postMessage", error="ratelimited", retry_after=0.2, times=1)
    clock = Clock()
    sender = sender_for(db, emulator, clock=clock)
    sender.drain()  # the parent is rate limited, and its thread waits behind it
    assert [r.status for r in rows(db)] == ["pending"] * 5
    clock.advance(seconds=0.2)
    sender.drain()
    assert all(r.status == "delivered" for r in rows(db))
    (parent,) = emulator.messages("C01MKTG")
    assert parent.text == "parent, edited"
    thread = emulator.thread("C01MKTG", parent.ts)
    assert [m.text for m in thread[1:]] == ["reply 0", "reply 1", "reply 2"]
    with db.transaction() as session:
        assert session.get(SlackMessage, "brief:1").ts == parent.ts


def test_a_reply_to_a_message_posted_in_the_same_pass_waits_for_it_not_for_a_retry(
    db: Database, emulator: SlackEmulator
) -> None:
    # Different ordering keys, so the sender may take both at once; the reply needs the parent's ts.
    with db.transaction() as session:
        enqueue(
            session,
            "chat.postMessage",
            {"channel": "C01MKTG", "text": "parent"},
            ordering_key="brief:1",
            message_key="brief:1",
        )
        enqueue(
            session,
            "chat.postMessage",
            {"channel": channel_of("brief:1"), "thread_ts": ts_of("brief:1"), "text": "a note"},
            ordering_key="notes",
        )
    assert sender_for(db, emulator).drain() == 2
    assert [(r.status, r.attempts) for r in rows(db)] == [("delivered", 1), ("delivered", 1)]
    (parent,) = emulator.messages("C01MKTG")
    assert [m.text for m in emulator.thread("C01MKTG", parent.ts)[1:]] == ["a note"]


def test_two_instances_on_postgresql_deliver_each_row_once(
    db: Database, emulator: SlackEmulator
) -> None:
    if not db.is_postgres:
        pytest.skip("SQLite runs one instance, with one sender")
    for n in range(60):
        post(db, f"message {n}", ordering_key=f"thread:{n % 7}")
    senders = [sender_for(db, emulator, batch=5) for _ in range(2)]
    drains = [threading.Thread(target=sender.drain) for sender in senders]
    for thread in drains:
        thread.start()
    for thread in drains:
        thread.join(timeout=30)
    texts = [m.text for m in emulator.messages("C01MKTG")]
    assert sorted(texts) == sorted(f"message {n}" for n in range(60))  # all, none twice
    assert all((r.status, r.attempts) == ("delivered", 1) for r in rows(db))


def test_crash_between_commit_and_delivery_delivers_after_restart(
    db: Database, emulator: SlackEmulator
) -> None:
    post(db, "committed before the crash")
    # The process that committed died before its sender ran: nothing was sent.
    assert emulator.calls_to("chat.postMessage") == []
    # A new process starts with a new sender on the same database.
    restarted = sender_for(Database(db.url), emulator)
    assert restarted.drain() == 1
    assert restarted.drain() == 0
    assert [m.text for m in emulator.messages("C01MKTG")] == ["committed before the crash"]


def test_a_post_whose_answer_could_not_be_recorded_is_looked_up_not_made_again(
    db: Database, emulator: SlackEmulator
) -> None:
    if db.is_postgres:
        pytest.skip("PostgreSQL: tests/e2e/test_postgres_restart.py crashes the server instead")
    sender = sender_for(db, emulator)  # a running process, then its row
    post(db, "made once")
    emulator.late_next("chat.postMessage", 1.0)  # made at once, answered a second later
    locked = threading.Event()

    def another_process_takes_the_lock() -> None:  # while the sender waits for the answer
        eventually(lambda: emulator.calls_to("chat.postMessage"), "the post made")
        other = sqlite3.connect(make_url(db.url).database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(SQLITE_LOCK_WAIT_SECONDS + 2)
        other.execute("ROLLBACK")
        other.close()

    holder = threading.Thread(target=another_process_takes_the_lock)
    holder.start()
    with pytest.raises(OperationalError, match="locked"):
        sender.drain()  # the post was made; recording it was not
    holder.join()
    assert locked.is_set()
    assert [(r.status, r.attempts) for r in rows(db)] == [("pending", 0)]
    assert sender.drain() == 1  # its loop goes on after a database error: it finds the mark
    assert [m.text for m in emulator.messages("C01MKTG")] == ["made once"]
    assert len(emulator.calls_to("conversations.history")) == 1  # looked up, found
    assert [(r.status, r.attempts) for r in rows(db)] == [("delivered", 1)]
    with db.read() as session:
        assert session.scalars(select(OutboxCall)).all() == []  # the mark went with the answer


def test_rolled_back_transaction_sends_nothing(db: Database, emulator: SlackEmulator) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        enqueue(session, "chat.postMessage", {"channel": "C01MKTG", "text": "never"})
        raise RuntimeError("the cause failed")
    assert sender_for(db, emulator).drain() == 0
    assert rows(db) == []


def test_commit_wakes_a_running_sender(db: Database, emulator: SlackEmulator) -> None:
    sender = sender_for(db, emulator, idle_wait=30)  # would sleep 30 s without the wake-up
    sender.start()
    try:
        time.sleep(0.1)
        started = time.monotonic()
        post(db, "prompt")
        emulator.wait_for_message("prompt", "C01MKTG")
        assert time.monotonic() - started < 15  # far below the 30 s it would sleep, even when busy
    finally:
        sender.stop()


def test_future_not_before_waits(db: Database, emulator: SlackEmulator) -> None:
    with db.transaction() as session:
        row = enqueue(session, "chat.postMessage", {"channel": "C01MKTG", "text": "later"})
        row.not_before = utcnow() + timedelta(hours=1)
    assert sender_for(db, emulator).drain() == 0


def share(db: Database, channel: str = "C01MKTG") -> None:
    with db.transaction() as session:
        enqueue_file(
            session,
            channel=channel,
            filename="chart.png",
            content=b"\x89PNG fake bytes",
            title="Chart",
            initial_comment="This week",
        )


def test_file_upload_goes_through_the_three_step_upload(
    db: Database, emulator: SlackEmulator
) -> None:
    share(db)
    assert sender_for(db, emulator).drain() == 1
    [file] = emulator.files.values()
    assert (file.content, file.title, file.channel, file.completed) == (
        b"\x89PNG fake bytes",
        "Chart",
        "C01MKTG",
        True,
    )
    [shared] = emulator.messages("C01MKTG")
    assert shared.text == "This week" and shared.files[0]["id"] == file.id
    assert rows(db)[0].status == "delivered"


def test_file_upload_errors_are_classified_like_messages(
    db: Database, emulator: SlackEmulator
) -> None:
    share(db)
    emulator.fail_next("files.completeUploadExternal", error="internal_error")
    sender = sender_for(db, emulator)
    sender.drain()
    (row,) = rows(db)
    assert (row.status, row.last_error) == ("pending", "internal_error")  # transient: again later
    share(db, channel="C9NOWHERE")
    with db.transaction() as session:
        session.get(OutboxMessage, row.id).not_before = None  # due again now
    sender.drain()
    first, second = rows(db)
    assert first.status == "delivered"
    # permanent; files.completeUploadExternal says invalid_channel (its documented error)
    assert (second.status, second.last_error) == ("failed", "invalid_channel")
    assert len([f for f in emulator.files.values() if f.completed]) == 1
