"""`/mops health` tells an ops admin, in words, what /metrics counts: messages waiting or refused,
background work, 429s, what was sent in the last 24 hours, the versions in force."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.core.clock import utcnow
from bot.digests.models import DigestRun
from bot.sla.models import Reminder, ReminderStatus
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.storage.database import Database
from bot.tasks.models import Task, TaskStatus
from tests.support.briefs import form_values


@pytest.fixture
def quiet(db: Database) -> Iterator[LocalBot]:
    """The bot without its background workers: rows stay as the test wrote them."""
    with local_bot(Settings(database_url=db.url), background=False, migrate_first=False) as bot:
        yield bot


def sent_reminder(kind: str, hours_ago: float) -> Reminder:
    """A reminder of brief 1 sent `hours_ago` (sequence 9: beside the ones the brief planned)."""
    now = utcnow()
    return Reminder(
        brief_id=1,
        stage="brand",
        round=1,
        kind=kind,
        sequence=9,
        due_at=now,
        status=ReminderStatus.SENT,
        sent_at=now - timedelta(hours=hours_ago),
    )


def health(local: LocalBot) -> str:
    report = local.slack.command("/mops health", as_user="omar").ephemeral
    assert report is not None
    return report.text


def test_a_quiet_bot_says_nothing_waits_and_counts_what_went_out(quiet: LocalBot) -> None:
    text = health(quiet)
    assert "*Slack messages*" in text and "• No Slack message is waiting to go." in text
    assert "• No background work is waiting." in text
    assert "*Sent in the last 24 hours*" in text
    assert "• 0 reminders, 0 escalations, 0 repeated escalations and 0 digests." in text
    assert f"• Policy {quiet.runtime.policy.version} is in force" in text
    # Said once, where readiness is told; not again under what was sent.
    assert text.count("intake model") == 1 and "• No intake model is configured" in text


def test_waiting_refused_and_sent_work_is_told_in_plain_words(quiet: LocalBot) -> None:
    slack = quiet.slack
    slack.command("/brief new", as_user="rita")
    assert slack.submit(form_values(quiet.runtime.policy), as_user="rita").ok
    quiet.runtime.sender.drain()
    now = utcnow()
    with quiet.runtime.db.transaction() as session:
        session.add_all(
            [
                OutboxMessage(
                    method="chat.postMessage",
                    payload={"channel": "C01MKTG", "text": "late"},
                    created_at=now - timedelta(minutes=10),
                ),
                OutboxMessage(
                    method="chat.postMessage",
                    payload={"channel": "C09GONE", "text": "refused"},
                    status=OutboxStatus.FAILED,
                    last_error="channel_not_found",
                    created_at=now - timedelta(hours=2),
                ),
                Task(
                    kind="intake.classify",
                    payload={"request_id": 1},
                    created_at=now - timedelta(minutes=7),
                ),
                Task(kind="intake.classify", payload={}, status=TaskStatus.FAILED),
                sent_reminder("reminder", hours_ago=1),
                sent_reminder("escalation", hours_ago=30),
                DigestRun(kind="channel", target="C01MKTG", day="2026-12-06", sent_at=now),
                DigestRun(kind="user", target="U01RITA", day="2026-12-06", empty=True),
            ]
        )
    text = health(quiet)
    assert text.startswith("*mopsbot health*: 3 things need you.")  # not ready, messages, work
    assert "*Slack messages need a look*" in text
    assert "• 1 Slack message is waiting to go; the longest-waiting has waited 10 minutes." in text
    assert "• 1 message couldn't be sent in the last 24 hours; the latest, <!date^" in text
    assert "because of `channel_not_found`." in text
    assert "*Background work needs a look*" in text
    # the brief's own staffing check waits too (no worker runs here)
    assert (
        "• 2 tasks are waiting: checking who can decide a stage (1), sorting intake messages (1);"
        " the oldest has waited 7 minutes." in text
    )
    assert "• 1 task failed for good in the last 24 hours (the log has why)." in text
    # the escalation was 30 hours ago; the empty digest was not sent
    assert "• 1 reminder, 0 escalations, 0 repeated escalations and 1 digest." in text


def test_429s_since_start_are_counted_by_method(quiet: LocalBot) -> None:
    quiet.emulator.fail_next("chat.postMessage", "ratelimited", retry_after=1)
    quiet.slack.command("/brief new", as_user="rita")
    quiet.slack.submit(form_values(quiet.runtime.policy), as_user="rita")
    quiet.runtime.sender.drain()
    text = health(quiet)
    assert "Slack asked me to slow down" in text and "(chat.postMessage " in text


def test_people_who_are_not_ops_admins_see_none_of_it(quiet: LocalBot) -> None:
    report = quiet.slack.command("/mops health", as_user="rita").ephemeral
    assert report is not None and report.text == "Only ops admins can see the bot's health."
