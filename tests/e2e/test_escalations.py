"""Escalations you can act on: a link to the brief's thread and the stage's buttons, which work
from the escalations channel exactly as in the thread."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app.local import LocalBot
from bot.emulator import Message
from bot.sla import reminders
from tests.support.briefs import brief_row, new_brief, outbox_drained, wait_stage
from tests.support.clock import Clock
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 9, 9, 0, tzinfo=NY))  # a Monday morning in New York


def escalate(local: LocalBot, clock: Clock) -> tuple[Message, Message]:
    """A brief past its brand SLA, and the escalation posted about it."""
    parent = new_brief(local)
    eventually(lambda: outbox_drained(local), "the brief posted")  # its thread is known
    clock.now = datetime(2026, 11, 10, 17, 31, tzinfo=NY)  # just past the brand stage's SLA
    runtime = local.runtime
    reminders.tick(runtime.db, runtime.policy, runtime.directory, clock.now, links=runtime.links)
    runtime.sender.wake()
    escalation = local.slack.wait_for_message(
        lambda m: m.channel == "C03ESC" and "breached" in m.text
    )
    return parent, escalation


def labels(message: Message) -> list[str]:
    return [
        e["text"]["text"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]
    ]


def test_an_escalation_links_to_the_thread_and_carries_the_stages_buttons(
    timed: LocalBot, clock: Clock
) -> None:
    parent, escalation = escalate(timed, clock)
    link = f"https://mops.slack.com/archives/C01MKTG/p{parent.ts.replace('.', '')}"
    assert f"<{link}|Open the thread>" in escalation.text
    permalink = timed.runtime.client.chat_getPermalink(channel="C01MKTG", message_ts=parent.ts)
    assert permalink["permalink"] == link  # what Slack itself would link to
    assert labels(escalation) == ["Approve", "Request changes", "Reject"]


def test_the_escalations_buttons_work_like_the_threads(timed: LocalBot, clock: Clock) -> None:
    slack = timed.slack
    parent, escalation = escalate(timed, clock)
    slack.click("Approve", as_user="lena", message=escalation)  # not brand: refused, told there
    refusal = slack.wait_for_message(
        lambda m: m.ephemeral_to == "U03LENA" and m.channel == "C03ESC", ephemeral=True
    )
    assert "Only" in refusal.text
    slack.click("Request changes", as_user="lena", message=escalation)
    assert slack.view_of("lena") is None  # refused before the form, as in the thread
    slack.click("Approve", as_user="bram", message=escalation)
    wait_stage(timed, "legal")
    slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "approved *Brand*" in m.text)
    slack.click("Approve", as_user="bram", message=escalation)  # the same buttons, now stale
    stale = slack.wait_for_message(
        lambda m: m.ephemeral_to == "U02BRAM" and m.channel == "C03ESC", ephemeral=True
    )
    assert "changed since these buttons were drawn" in stale.text
    assert eventually(lambda: brief_row(timed).stage == "legal", "still at legal")
