"""Channels the bot cannot post in: a refused escalation is told to the ops admins (once a day per
channel), the start-up check logs such channels, and `/mops health` lists them."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import channel_health
from bot.app.local import LocalBot
from bot.digests import service as digest
from bot.emulator.render import mrkdwn
from bot.sla import reminders
from bot.slack.models import OutboxMessage
from tests.support.briefs import new_brief, outbox_drained
from tests.support.clock import Clock
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 9, 9, 0, tzinfo=NY))  # a Monday morning in New York


def dms_to(local: LocalBot, user_id: str) -> list:
    dm = "D" + user_id[1:]
    return [m for m in local.emulator.workspace.all_messages() if m.channel == dm]


def failed_errors(local: LocalBot) -> list[str | None]:
    with local.runtime.db.read() as session:
        return [
            row.last_error
            for row in session.scalars(
                select(OutboxMessage).where(OutboxMessage.status == "failed")
            )
        ]


def escalate(local: LocalBot) -> list:
    """Run the reminder tick at the clock's time; Omar's (@mops-admins) DMs once a new one came."""
    runtime = local.runtime
    before = len(dms_to(local, "U04OMAR"))
    reminders.tick(runtime.db, runtime.policy, runtime.directory, runtime.clock())
    runtime.sender.wake()
    eventually(lambda: len(dms_to(local, "U04OMAR")) > before, "a DM to Omar (@mops-admins)")
    return dms_to(local, "U04OMAR")


def test_a_refused_escalation_is_told_to_the_ops_admins_once_a_day(
    timed: LocalBot, clock: Clock
) -> None:
    timed.emulator.remove("mops-escalations")  # someone removed the bot from the channel
    new_brief(timed)
    new_brief(timed, title="Second brief")
    clock.now = datetime(2026, 11, 13, 12, 0, tzinfo=NY)  # Friday: both escalations are due
    told = escalate(timed)
    eventually(lambda: outbox_drained(timed), "the outbox drained")
    assert failed_errors(timed) == ["not_in_channel", "not_in_channel"]  # both were lost
    assert len(dms_to(timed, "U04OMAR")) == 1  # one DM for the channel, not one per message
    text = mrkdwn(told[0].text)
    assert "#mops-escalations (where I post escalations)" in text
    assert "I'm not a member of it. Invite me there with `/invite @mopsbot`" in text
    # Another day, a channel still refusing is told again.
    clock.now = datetime(2026, 11, 16, 9, 0, tzinfo=NY)
    new_brief(timed, title="Third brief")
    clock.now = datetime(2026, 11, 17, 18, 0, tzinfo=NY)  # its escalation is due
    assert len(escalate(timed)) == 2  # a second day's DM to Omar


def test_an_archived_escalation_channel_is_told_to_the_ops_admins(
    timed: LocalBot, clock: Clock
) -> None:
    timed.emulator.archive("mops-escalations")  # someone tidied the channel list
    new_brief(timed)
    clock.now = datetime(2026, 11, 13, 12, 0, tzinfo=NY)  # Friday: the escalation is due
    told = escalate(timed)
    eventually(lambda: outbox_drained(timed), "the outbox drained")
    assert failed_errors(timed) == ["is_archived"]  # final: not retried for ever
    text = mrkdwn(told[0].text)
    assert "#mops-escalations (where I post escalations)" in text
    assert "It is archived. Unarchive it, or point the policy at another channel." in text
    report = timed.slack.command("/mops health", as_user="omar").ephemeral
    assert report is not None
    assert (
        "#mops-escalations (escalations): it is archived: unarchive it, or point the policy "
        "elsewhere" in mrkdwn(report.text)
    )


def test_a_refused_digest_is_told_to_the_ops_admins(timed: LocalBot, clock: Clock) -> None:
    new_brief(timed)
    timed.emulator.remove("marketing")  # the digest channel (and the brief channel)
    runtime = timed.runtime
    clock.now = datetime(2026, 11, 10, 9, 5, tzinfo=NY)  # past the 09:00 digest time
    digest.tick(runtime.db, runtime.policy, runtime.directory, runtime.clock(), runtime.names())
    runtime.sender.wake()
    told = eventually(lambda: dms_to(timed, "U04OMAR"), "a DM to Omar (@mops-admins)")
    text = mrkdwn(told[0].text)
    assert "#marketing (where I post new briefs and the daily digest)" in text
    assert "not_in_channel" in failed_errors(timed)


def test_the_start_up_check_logs_channels_the_bot_cannot_post_in(
    local: LocalBot, caplog: pytest.LogCaptureFixture
) -> None:
    local.emulator.remove("mops-escalations")
    with caplog.at_level(logging.INFO):
        channel_health.check_in_background(local.runtime).join(timeout=10)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("channels.cannot_post" in w and "C03ESC" in w for w in warnings), warnings
    assert not any("C01MKTG" in w or "C02INTAKE" in w for w in warnings)


def test_mops_health_lists_the_channels_the_bot_cannot_post_in(local: LocalBot) -> None:
    slack = local.slack
    healthy = slack.command("/mops health", as_user="omar").ephemeral
    assert healthy is not None and "all good" in healthy.text
    local.emulator.remove("mops-escalations")
    report = slack.command("/mops health", as_user="omar").ephemeral
    assert report is not None
    shown = mrkdwn(report.text)
    assert "1 thing needs you" in shown and "Channels I can't post in" in shown
    assert "#mops-escalations (escalations): I'm not a member: `/invite @mopsbot` there" in shown
    assert "#marketing" not in shown and "#intake" not in shown
    refused = slack.command("/mops health", as_user="rita").ephemeral
    assert refused is not None and refused.text == "Only ops admins can see the bot's health."
