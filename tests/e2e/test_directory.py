"""Who is in which user group, read from Slack: one call for every group, kept when Slack fails.

Issue 13, findings 1 and 2: one error on a group lookup (a 429, `plan_upgrade_required`) used to
be cached as "this group has no members" for a minute, so an approver was refused and a reminder
tick marked reminders sent with no one to send them to; and a cold cache made one Slack call per
policy group inside the listener, before the ack.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.app.local import LocalBot
from bot.emulator import Message
from bot.sla import reminders
from bot.sla.models import Reminder
from bot.slack import directory as directory_module
from bot.slack.directory import Directory
from bot.slack.models import OutboxMessage
from bot.tasks.models import Task, TaskStatus
from tests.support.briefs import approve, brief_row, new_brief, shows_button, wait_stage
from tests.support.clock import Clock
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")
GROUP_LOOKUPS = ("usergroups.list", "usergroups.users.list")
TRY_AGAIN = "try again in a minute"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 9, 9, 0, tzinfo=NY))  # a Monday morning in New York


def fail_group_lookups(local: LocalBot, error: str = "ratelimited") -> None:
    """The next group lookup fails, whichever method the bot uses for it."""
    for method in GROUP_LOOKUPS:
        local.emulator.fail_next(method, error=error, retry_after=1)


def new_brief_cold(local: LocalBot) -> Message:
    """A brief in review, and a directory that has read nothing yet: the bot's own look-up after
    a submit (who could decide the new stage, briefs.staffing) is done and forgotten, so the next
    look-up is the one the test is about."""
    parent = new_brief(local)

    def checked() -> bool:
        with local.runtime.db.transaction() as session:
            return not session.scalar(
                select(func.count()).select_from(Task).where(Task.status == TaskStatus.PENDING)
            )

    eventually(checked, "the stage's staffing check")
    runtime = local.runtime
    runtime.directory = Directory(runtime.client, clock=runtime.clock)
    return parent


def group_calls(local: LocalBot) -> int:
    return sum(len(local.emulator.calls_to(method)) for method in GROUP_LOOKUPS)


def reminder_rows(local: LocalBot) -> list[Reminder]:
    with local.runtime.db.transaction() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


def dm_rows_to(local: LocalBot, user_id: str) -> list[OutboxMessage]:
    with local.runtime.db.transaction() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.payload["channel"].as_string() == user_id)
            )
        )


def tick(local: LocalBot) -> None:
    runtime = local.runtime
    reminders.tick(runtime.db, runtime.policy, runtime.directory, runtime.clock())


@pytest.mark.parametrize("error", ["ratelimited", "plan_upgrade_required"])
def test_a_failed_group_lookup_asks_to_try_again_and_the_next_click_decides(
    timed: LocalBot, clock: Clock, error: str
) -> None:
    parent = new_brief_cold(timed)
    fail_group_lookups(timed, error)
    approve(timed, parent, "bram")
    told = eventually(lambda: timed.slack.last_ephemeral("bram"), "an answer to Bram")
    assert TRY_AGAIN in told.text
    assert "Only" not in told.text  # not a refusal naming the wrong reason
    assert brief_row(timed).stage == "brand"  # nothing changed
    clock.advance(seconds=10)  # past the wait before another call, within the old 60 s
    approve(timed, parent, "bram")
    wait_stage(timed, "legal")


def test_a_cold_directory_makes_one_slack_call_in_the_listener_and_a_warm_one_none(
    timed: LocalBot,
) -> None:
    parent = new_brief_cold(timed)
    before = group_calls(timed)
    approve(timed, parent, "bram")
    wait_stage(timed, "legal")
    assert group_calls(timed) - before == 1  # one call for every group, not one per group
    before = group_calls(timed)
    timed.slack.click("Approve", as_user="lena", message=shows_button(timed, parent, "Approve"))
    eventually(lambda: brief_row(timed).state == "approved", "brief approved")
    assert group_calls(timed) == before


def test_a_failed_refresh_keeps_the_last_good_membership(timed: LocalBot) -> None:
    parent = new_brief(timed)
    directory = timed.runtime.directory
    assert directory.members("S01BRAND") == {"U02BRAM"}
    fail_group_lookups(timed)
    assert directory.refresh() is False
    assert directory.members("S01BRAND") == {"U02BRAM"}  # not "nobody"
    approve(timed, parent, "bram")
    wait_stage(timed, "legal")


def test_a_reminder_tick_without_the_directory_keeps_the_reminder_for_the_next_tick(
    timed: LocalBot, clock: Clock
) -> None:
    new_brief_cold(timed)
    clock.now = datetime(2026, 11, 13, 12, 0, tzinfo=NY)  # reminder and escalation are due
    fail_group_lookups(timed)
    tick(timed)
    assert {r.status for r in reminder_rows(timed)} == {"pending"}  # not sent to nobody
    assert dm_rows_to(timed, "U02BRAM") == []
    clock.advance(seconds=30)
    tick(timed)
    assert {(r.kind, r.status) for r in reminder_rows(timed)} >= {
        ("reminder", "sent"),
        ("escalation", "sent"),
    }
    assert len(dm_rows_to(timed, "U02BRAM")) == 2  # the reminder's DM and the escalation's


def test_a_command_that_needs_the_groups_asks_to_try_again(timed: LocalBot) -> None:
    fail_group_lookups(timed)
    result = timed.slack.command("/brief list", as_user="bram")
    assert result.status == 200
    told = timed.slack.last_ephemeral("bram")
    assert told is not None and TRY_AGAIN in told.text


def test_a_directory_read_survives_a_server_error(timed: LocalBot) -> None:
    """views.open and the directory's reads retry a 503 once (slack_sdk's retry handlers); the
    outbox's client does not (the outbox decides its own retries)."""
    timed.emulator.fail_next("usergroups.list", error=None, status=503)
    assert timed.runtime.directory.refresh() is True
    assert [c.error for c in timed.emulator.calls_to("usergroups.list")] == ["http_503", None]
    assert timed.runtime.sender.client.retry_handlers == []


def test_time_zones_come_from_a_few_pages_of_users_list(
    timed: LocalBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wave to 2,000 people asks users.list (Tier 2) ten times, not users.info 2,000 times."""
    monkeypatch.setattr(directory_module, "PEOPLE_PAGE", 2)
    directory, emulator = timed.runtime.directory, timed.emulator
    people = len(emulator.workspace.users)
    assert directory.refresh_people() is True
    assert len(emulator.calls_to("users.list")) == -(-people // 2)  # every page, once
    asked = len(emulator.calls_to("users.info"))
    assert directory.timezone("U02BRAM") == "Europe/Amsterdam"
    assert len(emulator.calls_to("users.info")) == asked


def test_a_failed_time_zone_lookup_is_not_remembered(timed: LocalBot) -> None:
    directory = timed.runtime.directory
    timed.emulator.fail_next("users.info", error="ratelimited", retry_after=1)
    assert directory.timezone("U03LENA") is None  # the caller falls back to the policy's zone
    assert directory.timezone("U03LENA") == "Europe/London"
