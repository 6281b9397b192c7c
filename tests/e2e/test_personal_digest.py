"""The personal "waiting on you" DM: only for people who turned it on, at their own time within the
working day, never in quiet hours, once a day; `/mops digest` shows and changes the setting."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app.local import LocalBot
from bot.digests import service as digest
from bot.emulator import Message
from tests.support.briefs import new_brief, outbox_drained
from tests.support.clock import Clock
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # where Bram, the brand reviewer, lives
BRAM = "U02BRAM"


@pytest.fixture
def clock() -> Clock:
    # Thursday 12 November 2026, 15:25 in New York: 21:25 in Amsterdam.
    return Clock(datetime(2026, 11, 12, 15, 25, tzinfo=NY))


def tick(local: LocalBot) -> None:
    runtime = local.runtime
    digest.tick(runtime.db, runtime.policy, runtime.directory, runtime.clock())
    eventually(lambda: outbox_drained(local), "the outbox delivered")


def dms_to(local: LocalBot, user: str) -> list[Message]:
    """The digests in the person's DM with the bot, as they see them."""
    return [m for m in local.emulator.messages(user) if m.text.startswith("*Waiting on you*")]


def answer(local: LocalBot, line: str, as_user: str = "bram") -> str:
    local.slack.command(line, as_user=as_user)
    reply = local.slack.last_ephemeral(as_user)
    assert reply is not None
    return reply.text


def test_no_digest_for_someone_who_never_turned_it_on(timed: LocalBot, clock: Clock) -> None:
    """Bug 4: Bram never opted in and got "Waiting on you (1)" at 21:25, seconds after a submit."""
    new_brief(timed, title="Holiday campaign")
    tick(timed)
    assert dms_to(timed, BRAM) == []
    clock.now = datetime(2026, 11, 13, 9, 30, tzinfo=AMSTERDAM)  # the next working morning
    tick(timed)
    assert dms_to(timed, BRAM) == []


def test_digest_waits_for_their_time_within_the_working_day(timed: LocalBot, clock: Clock) -> None:
    """Bug 4: a digest turned on comes at the person's time on their own clock, never in quiet
    hours nor after the working day, once a day, and not on a weekend."""
    assert "on" in answer(timed, "/mops digest on")
    new_brief(timed, title="Holiday campaign")
    tick(timed)  # 21:25 in Amsterdam: quiet hours, and after his 09:00 today
    assert dms_to(timed, BRAM) == []
    clock.now = datetime(2026, 11, 13, 7, 45, tzinfo=AMSTERDAM)
    tick(timed)  # before the working day
    assert dms_to(timed, BRAM) == []
    clock.now = datetime(2026, 11, 13, 9, 0, tzinfo=AMSTERDAM)
    tick(timed)
    (first,) = dms_to(timed, BRAM)
    assert first.text.startswith("*Waiting on you* (1)") and "Holiday campaign" in first.text
    for later in (9, 13, 17):
        clock.now = datetime(2026, 11, 13, later, 15, tzinfo=AMSTERDAM)
        tick(timed)
    assert len(dms_to(timed, BRAM)) == 1  # once a day
    clock.now = datetime(2026, 11, 14, 10, 0, tzinfo=AMSTERDAM)  # Saturday
    tick(timed)
    assert len(dms_to(timed, BRAM)) == 1
    clock.now = datetime(2026, 11, 16, 18, 0, tzinfo=AMSTERDAM)  # the bot was down all Monday
    tick(timed)
    assert len(dms_to(timed, BRAM)) == 1  # not in the evening: the next working morning
    clock.now = datetime(2026, 11, 17, 9, 5, tzinfo=AMSTERDAM)
    tick(timed)
    assert len(dms_to(timed, BRAM)) == 2


def test_digest_at_the_time_they_chose(timed: LocalBot, clock: Clock) -> None:
    answer(timed, "/mops digest on")
    assert "14:30" in answer(timed, "/mops digest time 2:30pm")
    new_brief(timed)
    clock.now = datetime(2026, 11, 13, 14, 0, tzinfo=AMSTERDAM)
    tick(timed)
    assert dms_to(timed, BRAM) == []
    clock.now = datetime(2026, 11, 13, 14, 30, tzinfo=AMSTERDAM)
    tick(timed)
    assert len(dms_to(timed, BRAM)) == 1


def test_digest_command_shows_the_setting(timed: LocalBot) -> None:
    """Bug 13: `/mops digest` alone printed the usage twice; now it says how things stand."""
    shown = answer(timed, "/mops digest")
    assert shown.count("Usage") <= 1 and shown.count("/mops digest on") == 1
    assert "off" in shown  # nobody gets it without asking
    answer(timed, "/mops digest on")
    shown = answer(timed, "/mops digest")
    assert "is on" in shown and "09:00" in shown and "Europe/Amsterdam" in shown


def test_bad_times_get_a_reason_and_change_nothing(timed: LocalBot) -> None:
    """Bug 13: `25:00` and `noon` got the usage line and no reason."""
    answer(timed, "/mops digest on")
    reply = answer(timed, "/mops digest time 25:00")
    assert "25:00" in reply and "0 to 23" in reply and reply.count("Usage") <= 1
    reply = answer(timed, "/mops digest time 7:30")
    assert "09:00" in reply and "17:30" in reply  # the working day, not quiet hours
    reply = answer(timed, "/mops digest time 18:00")
    assert "17:30" in reply
    reply = answer(timed, "/mops digest time soon")
    assert "soon" in reply and "10:30" in reply  # what to type instead
    assert "09:00" in answer(timed, "/mops digest")  # unchanged
    assert "12:00" in answer(timed, "/mops digest time noon")
    for typed, meant in (("9", "09:00"), ("9:30", "09:30"), ("10am", "10:00"), ("4pm", "16:00")):
        assert meant in answer(timed, f"/mops digest time {typed}"), typed


def test_changing_the_time_keeps_it_off(timed: LocalBot, clock: Clock) -> None:
    """Bug 13: `time 10:00` silently turned back on a digest the person had switched off."""
    answer(timed, "/mops digest on")
    answer(timed, "/mops digest off")
    reply = answer(timed, "/mops digest time 10:00")
    assert "10:00" in reply and "off" in reply and "/mops digest on" in reply
    assert "off" in answer(timed, "/mops digest")
    new_brief(timed)
    clock.now = datetime(2026, 11, 13, 10, 0, tzinfo=AMSTERDAM)
    tick(timed)
    assert dms_to(timed, BRAM) == []
    reply = answer(timed, "/mops digest on")
    assert "10:00" in reply  # the time chosen while it was off
