"""Business time: the team's hours, weekends, holidays, DST and the recipient's quiet hours."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from policies.sla import (
    BusinessCalendar,
    QuietHours,
    ReminderRule,
    next_repeat,
    next_send_time,
    plan_reminders,
    sla_status,
    snooze_until,
)

NY = ZoneInfo("America/New_York")
CAL = BusinessCalendar("America/New_York", time(9), time(17, 30), frozenset(range(5)), "US")
RULE = ReminderRule(first_at=0.75, repeat_every_hours=4)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


def test_within_one_day() -> None:
    assert CAL.add_business_hours(ny(2026, 11, 10, 9), 4) == ny(2026, 11, 10, 13)


def test_across_a_weekend() -> None:
    # Friday 15:30 + 4 business hours: 2 on Friday, 2 on Monday
    assert CAL.add_business_hours(ny(2026, 11, 13, 15, 30), 4) == ny(2026, 11, 16, 11, 0)


def test_across_thanksgiving() -> None:
    # Wednesday 2026-11-25 17:00 + 1 h: Thursday is Thanksgiving, so Friday 09:30
    assert CAL.add_business_hours(ny(2026, 11, 25, 17), 1) == ny(2026, 11, 27, 9, 30)


def test_start_outside_hours_rolls_to_the_next_opening() -> None:
    assert CAL.add_business_hours(ny(2026, 11, 14, 12), 1) == ny(2026, 11, 16, 10)  # Saturday noon


def test_across_the_dst_change() -> None:
    # DST ends Sunday 2026-11-01; Friday 16:30 + 2 h lands Monday 10:00 local wall time
    assert CAL.add_business_hours(ny(2026, 10, 30, 16, 30), 2) == ny(2026, 11, 2, 10)


def test_hours_between_skips_nights_weekends_and_holidays() -> None:
    assert CAL.business_hours_between(ny(2026, 11, 25, 9), ny(2026, 11, 30, 9)) == pytest.approx(17.0)


def test_reminder_plan_at_75_percent_and_breach() -> None:
    entered = ny(2026, 11, 9, 9)  # Monday; 17 business hours = 2 business days
    reminder, escalation = plan_reminders(entered, 17, RULE, CAL)
    assert (reminder.kind, escalation.kind) == ("reminder", "escalation")
    assert reminder.due_at == ny(2026, 11, 10, 13, 15)  # 12.75 h: 8.5 Monday + 4.25 Tuesday
    assert escalation.due_at == ny(2026, 11, 10, 17, 30)
    # Wednesday 2026-11-11 is Veterans Day: the repeat lands Thursday
    assert next_repeat(escalation.due_at, RULE, CAL) == ny(2026, 11, 12, 13)


def test_quiet_hours_in_the_recipient_time_zone() -> None:
    quiet = QuietHours(time(19), time(8))
    due = ny(2026, 11, 10, 12)  # noon in New York is 22:30 in Kolkata
    sent = next_send_time(due, "Asia/Kolkata", quiet)
    assert sent == datetime(2026, 11, 11, 8, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert next_send_time(due, "America/New_York", quiet) == due
    assert next_send_time(due, "Not/AZone", quiet, fallback_tz="America/New_York") == due


def test_snooze() -> None:
    now = ny(2026, 11, 13, 16)  # Friday 16:00
    assert snooze_until(now, "1h", CAL) == ny(2026, 11, 13, 17)
    assert snooze_until(now, "1bd", CAL) == ny(2026, 11, 16, 16)
    assert snooze_until(ny(2026, 11, 14, 10), "1bd", CAL) == ny(2026, 11, 16, 9)


def test_sla_status() -> None:
    status = sla_status(ny(2026, 11, 9, 9), 17, ny(2026, 11, 10, 17, 31), CAL)
    assert status.breached and status.fraction == pytest.approx(1.0, abs=0.01)
    assert not sla_status(ny(2026, 11, 9, 9), 17, ny(2026, 11, 9, 17), CAL).breached
