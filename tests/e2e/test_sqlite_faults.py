"""SQLite locked by another process, or full: the delivery is answered 503 (so Slack retries it)
with one log line saying why, nothing of it is stored, and the retry, once the database takes
writes again, does it exactly once."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from bot.app.local import LocalBot
from bot.briefs.models import Brief
from bot.slack.models import HandledDelivery, OutboxMessage
from tests.support.briefs import form_values
from tests.support.waiting import eventually


@pytest.fixture
def sqlite_bot(local: LocalBot) -> LocalBot:
    if local.runtime.db.is_postgres:
        pytest.skip("SQLite's file lock and size limit")
    return local


def counts(local: LocalBot) -> tuple[int, int, int]:
    with local.runtime.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Brief)) or 0,
            session.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
            session.scalar(select(func.count()).select_from(HandledDelivery)) or 0,
        )


def not_stored_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "delivery.not_stored" in r.getMessage()]


@pytest.fixture
def other_process_lock(sqlite_bot: LocalBot) -> Iterator[sqlite3.Connection]:
    """A second connection (as `sqlite3` in another process would) holding the write lock."""
    path = make_url(sqlite_bot.runtime.db.url).database
    assert path
    holder = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield holder
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


def test_a_locked_database_answers_503_and_the_retry_makes_one_brief(
    sqlite_bot: LocalBot,
    other_process_lock: sqlite3.Connection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    local = sqlite_bot
    local.slack.command("/brief new", as_user="rita")
    before = counts(local)
    with caplog.at_level(logging.INFO):
        refused = local.driver.submit_view("rita", form_values(local.runtime.policy))
    assert refused.status == 503
    assert counts(local) == before  # nothing half-written
    [line] = not_stored_lines(caplog)
    assert "locked by another process" in line and "view_submission" in line
    assert local.slack.view_of("rita") is not None  # the form stays open, as Slack keeps it

    other_process_lock.execute("ROLLBACK")
    again = local.driver.redeliver(retry_num=1, retry_reason="http_error")
    assert again.status == 200
    local.slack.wait_for_message(lambda m: m.text.startswith("Brief #1"), channel="marketing")
    assert counts(local)[0] == 1


def test_a_locked_database_fails_an_event_and_its_retry_succeeds(
    sqlite_bot: LocalBot, other_process_lock: sqlite3.Connection
) -> None:
    local = sqlite_bot
    event = {"type": "app_home_opened", "user": "U02BRAM", "tab": "home", "event_ts": "1.0"}
    assert local.driver.event(event, event_id="Ev0LOCKED").status == 503
    other_process_lock.execute("ROLLBACK")
    assert local.driver.event(event, event_id="Ev0LOCKED", retry_num=1).status == 200
    eventually(lambda: local.emulator.home("U02BRAM"), "bram's home")


def test_a_slash_command_is_told_in_words_not_a_dispatch_failure(
    sqlite_bot: LocalBot, other_process_lock: sqlite3.Connection
) -> None:
    local = sqlite_bot
    result = local.slack.command("/mops digest on", as_user="rita")
    assert result.status == 200
    assert isinstance(result.body, dict) and result.body["response_type"] == "ephemeral"
    assert "couldn't save that" in result.body["text"]


def test_a_full_disk_answers_503_and_keeps_nothing(
    sqlite_bot: LocalBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Disk full, honestly: SQLite's own limit on the file's pages (PRAGMA max_page_count) set
    to what the file has now, with no free pages left in it (VACUUM), and a brief bigger than a
    page (4 KB), so storing it needs a page the file may not grow, as on a full disk."""
    local = sqlite_bot
    engine = local.runtime.db.engine
    path = make_url(local.runtime.db.url).database
    assert path
    local.slack.command("/brief new", as_user="rita")
    with sqlite3.connect(path, isolation_level=None) as compact:
        compact.execute("VACUUM")

    def cap(dbapi_connection: Any, _record: object) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    before = counts(local)
    words = "Reach new buyers with a clear, honest offer. " * 44
    big = form_values(
        local.runtime.policy,
        objective=words[:2000],
        key_message=words[:1000],
        notes=words[:1000],
        audience=words[:200],
    )
    event.listen(engine, "connect", cap)
    engine.dispose()  # the next connections come capped
    try:
        with caplog.at_level(logging.INFO):
            refused = local.driver.submit_view("rita", big)
        assert refused.status == 503
        assert counts(local) == before  # nothing half-written
        [line] = not_stored_lines(caplog)
        assert "is full" in line
    finally:
        event.remove(engine, "connect", cap)
        engine.dispose()
    assert local.driver.redeliver(retry_num=1, retry_reason="http_error").status == 200
    eventually(lambda: counts(local)[0] == 1, "the brief stored on the retry")
