"""Out of office with a delegate: `/mops away`, the delegate's decisions, reminders to them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app.local import LocalBot
from bot.audit.models import AuditEvent
from bot.briefs.models import Approval
from bot.sla import reminders
from tests.support.briefs import (
    approve,
    new_brief,
    outbox_drained,
    shows_button,
    wait_stage,
    wait_state,
)
from tests.support.clock import Clock
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 9, 9, 0, tzinfo=NY))  # a Monday morning in New York


def test_away_settings_shown_set_and_cleared(timed: LocalBot) -> None:
    slack = timed.slack
    slack.command("/mops away", as_user="lena")
    assert "not marked away" in slack.last_ephemeral("lena").text
    for bad, answer in [
        ("/mops away until 2026-13-45", "isn't a date"),
        ("/mops away until 2026-11-06", "already passed"),
        ("/mops away until 2026-11-20 @lena", "your own delegate"),
        ("/mops away until 2026-11-20 @nobody", "can't tell who"),
        ("/mops away tomorrow", "Usage"),
    ]:
        slack.command(bad, as_user="lena")
        assert answer in slack.last_ephemeral("lena").text, bad
    slack.command("/mops away until 2026-11-20 @sam", as_user="lena")
    shown = slack.last_ephemeral("lena").text
    assert "Fri 20 Nov 2026" in shown and "<@U05SAM>" in shown
    told = slack.wait_for_message(lambda m: m.channel.endswith("SAM") and "delegate" in m.text)
    assert "<@U03LENA>" in told.text
    slack.command("/mops away", as_user="lena")
    assert "<@U05SAM> decides" in slack.last_ephemeral("lena").text
    slack.command("/mops away off", as_user="lena")
    assert "Welcome back" in slack.last_ephemeral("lena").text
    slack.command("/mops away", as_user="lena")
    assert "not marked away" in slack.last_ephemeral("lena").text


def test_a_former_delegate_is_told_they_no_longer_stand_in(timed: LocalBot) -> None:
    slack = timed.slack

    def dms(user: str, contains: str) -> list[str]:
        return [
            m.text
            for m in timed.emulator.workspace.all_messages()
            if m.channel == "D" + user[1:] and contains in m.text
        ]

    slack.command("/mops away until 2026-11-20 @sam", as_user="lena")
    slack.command("/mops away until 2026-11-20 @rita", as_user="lena")  # another delegate
    told = eventually(lambda: dms("U05SAM", "no longer"), "Sam told he no longer stands in")
    assert told == [
        "<@U03LENA> changed their out of office: you're no longer their delegate (<@U01RITA> "
        "is, now). Their stages and reminders don't come to you any more."
    ]
    slack.command("/mops away off", as_user="lena")
    back = eventually(lambda: dms("U01RITA", "is back"), "Rita told Lena is back")
    assert back == [
        "<@U03LENA> is back: their stages and reminders go to them again, so you no longer "
        "decide for them."
    ]
    slack.command("/mops away off", as_user="lena")  # not away: nobody is told again
    slack.command("/mops away until 2026-11-20", as_user="sam")  # no delegate to tell
    slack.command("/mops away off", as_user="sam")
    eventually(lambda: outbox_drained(timed), "the outbox drained")
    assert len(dms("U01RITA", "is back")) == 1 and len(dms("U05SAM", "no longer")) == 1


def test_a_delegate_decides_for_the_person_away(timed: LocalBot) -> None:
    slack = timed.slack
    parent = new_brief(timed)
    approve(timed, parent, "bram")
    wait_stage(timed, "legal")
    approve(timed, parent, "sam")  # not legal, and nobody's delegate yet
    refusal = slack.wait_for_message(lambda m: m.ephemeral_to == "U05SAM", ephemeral=True)
    assert "Only" in refusal.text
    slack.command("/mops away until 2026-11-20 @sam", as_user="lena")
    slack.click("Approve", as_user="sam", message=shows_button(timed, parent, "Approve"))
    wait_state(timed, "approved")
    note = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "approved *Legal*" in m.text
    )
    assert note.text.startswith("<@U05SAM> for <@U03LENA> approved")
    with timed.runtime.db.transaction() as session:
        decision = session.scalars(select(Approval).where(Approval.stage == "legal")).one()
        assert (decision.approver_id, decision.on_behalf_of) == ("U05SAM", "U03LENA")
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.stage == "legal", AuditEvent.action == "approve")
        ).one()
        assert event.actor_id == "U05SAM" and event.detail == {"on_behalf_of": "U03LENA"}


def test_a_delegate_never_decides_the_requesters_own_brief(timed: LocalBot) -> None:
    slack = timed.slack
    slack.command("/mops away until 2026-11-20 @sam", as_user="bram")
    parent = new_brief(timed, as_user="bram")  # Bram is the only brand approver
    approve(timed, parent, "sam")
    refusal = slack.wait_for_message(lambda m: m.ephemeral_to == "U05SAM", ephemeral=True)
    assert "Only" in refusal.text
    assert wait_stage(timed, "brand").stage == "brand"


def test_reminders_go_to_the_delegate(timed: LocalBot, clock: Clock) -> None:
    slack = timed.slack
    slack.command("/mops away until 2026-11-20 @sam", as_user="bram")
    new_brief(timed)
    clock.now = datetime(2026, 11, 10, 13, 16, tzinfo=NY)  # 75% of the brand SLA
    runtime = timed.runtime
    assert reminders.tick(runtime.db, runtime.policy, runtime.directory, clock.now) == 1
    clock.now = datetime(2026, 11, 11, 9, 0, tzinfo=NY)  # everyone's quiet hours are over
    runtime.sender.wake()
    dm = eventually(
        lambda: [
            m
            for m in timed.emulator.workspace.all_messages()
            if m.channel == "D05SAM" and "waits on you" in m.text
        ],
        "the reminder DM to Sam",
    )[0]
    assert "standing in for <@U02BRAM>" in dm.text
    assert not [
        m
        for m in timed.emulator.workspace.all_messages()
        if m.channel == "D02BRAM" and "waits on you" in m.text
    ]
