"""Slack's bad weather through the real bot: 429s and 5xx in bursts, and posts that are made but
answered too late (the client sees a timeout). Every message is delivered once, in order
within its thread; an ambiguous post is found by its outbox metadata instead of posted again."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.emulator.faults import FaultKind, FaultPlan
from bot.emulator.records import Message
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.slack.settle import OUTBOX_EVENT
from bot.storage.database import Database
from tests.support.briefs import approve, new_brief, outbox_drained, wait_stage
from tests.support.waiting import eventually

TIMEOUT = 0.4  # the bot's Slack timeout here; a late answer comes after 1 s


def _bot(db: Database, faults: FaultPlan | None = None) -> Iterator[LocalBot]:
    settings = Settings(database_url=db.url, slack_timeout=TIMEOUT)
    with local_bot(settings, migrate_first=False, schedule=False, faults=faults) as running:
        yield running


@pytest.fixture
def weather() -> FaultPlan:
    return FaultPlan(
        ratelimited=0.15, server_error=0.1, timeout_after_accept=0.15, seed=14, late_by=1.0
    )


@pytest.fixture
def stormy(db: Database, weather: FaultPlan) -> Iterator[LocalBot]:
    yield from _bot(db, weather)


@pytest.fixture
def calm(db: Database) -> Iterator[LocalBot]:
    yield from _bot(db)


def outbox_ids(message: Message) -> int | None:
    metadata = message.metadata or {}
    if metadata.get("event_type") != OUTBOX_EVENT:
        return None
    return int(metadata["event_payload"]["outbox_id"])


def posted_by_row(local: LocalBot) -> dict[int, list[Message]]:
    """Every message the bot posted, by the outbox row that made it."""
    found: dict[int, list[Message]] = defaultdict(list)
    for message in local.emulator.workspace.all_messages():
        row = outbox_ids(message)
        if row is not None:
            found[row].append(message)
    return found


def test_a_post_answered_too_late_is_found_not_posted_again(calm: LocalBot) -> None:
    local = calm
    local.emulator.late_next("chat.postMessage", 1.0)  # the brief's parent: made, answer lost
    parent = new_brief(local)
    eventually(lambda: outbox_drained(local), "the outbox to drain")
    parents = [m for m in local.slack.messages("marketing") if m.text.startswith("Brief #")]
    assert parents == [parent]
    assert len(local.emulator.calls_to("conversations.history")) == 1  # looked it up once
    # the thread's replies go under the message that was made
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    eventually(lambda: outbox_drained(local), "the outbox to drain")
    assert any("approved" in m.text for m in local.slack.thread(parent).replies)
    with local.runtime.db.read() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        assert {r.status for r in rows} == {OutboxStatus.DELIVERED}


def test_a_thread_reply_answered_too_late_is_found_in_the_thread(calm: LocalBot) -> None:
    local = calm
    parent = new_brief(local)
    eventually(lambda: outbox_drained(local), "the outbox to drain")
    local.emulator.late_next("chat.postMessage", 1.0)
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    eventually(lambda: outbox_drained(local), "the outbox to drain")
    replies = [m for m in local.slack.thread(parent).replies if "approved" in m.text]
    assert len(replies) == 1
    assert local.emulator.calls_to("conversations.replies")


def test_a_5xx_post_was_not_made_and_is_posted_after_looking(calm: LocalBot) -> None:
    local = calm
    local.emulator.fail_next("chat.postMessage", error=None, status=503)
    parent = new_brief(local)
    eventually(lambda: outbox_drained(local), "the outbox to drain")
    assert [m for m in local.slack.messages("marketing") if m.text.startswith("Brief #")] == [
        parent
    ]
    assert len(local.emulator.calls_to("conversations.history")) == 1


def test_bursts_of_429_5xx_and_late_answers_lose_and_repeat_nothing(
    stormy: LocalBot, weather: FaultPlan
) -> None:
    local = stormy
    parents = [new_brief(local, title=f"Campaign {n}") for n in range(1, 4)]
    for brief_id, parent in enumerate(parents, start=1):
        approve(local, parent, "bram")
        wait_stage(local, "legal", brief_id)
    eventually(lambda: outbox_drained(local), "the outbox to drain", timeout=30)

    with local.runtime.db.read() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {r.status for r in rows} == {OutboxStatus.DELIVERED}, [
        (r.id, r.method, r.status, r.last_error) for r in rows
    ]
    posted = posted_by_row(local)
    posts = [r for r in rows if r.method == "chat.postMessage"]
    # every post is in Slack exactly once
    assert {r.id: len(posted.get(r.id, [])) for r in posts} == {r.id: 1 for r in posts}
    # and a thread reads in the order its rows were written
    by_key: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in posts:
        by_key[row.ordering_key or f"row:{row.id}"].append(row)
    for key, key_rows in by_key.items():
        shown = [posted[r.id][0].ts for r in key_rows]
        assert shown == sorted(shown), key
    # the weather was real: each kind of fault happened
    assert all(weather.injected[kind] > 0 for kind in FaultKind), weather.injected
