"""Business time: the team's hours, weekends, holidays, DST and the recipient's quiet hours.

Every expected moment below is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from policies.sla import (
    BusinessCalendar,
    QuietHours,
    ReminderRule,
    breach_cutoff,
    next_repeat,
    next_send_time,
    plan_reminders,
    sla_status,
    snooze_until,
)

NY = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
CAL = BusinessCalendar("America/New_York", time(9), time(17, 30), frozenset(range(5)), "US")
RULE = ReminderRule(first_at=0.75, repeat_every_hours=4)
NIGHT = QuietHours(time(19), time(8))


def ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)


# -- adding business hours -----------------------------------------------------------------


def test_within_one_day() -> None:
    assert CAL.add_business_hours(ny(2026, 11, 17, 9), 4) == ny(2026, 11, 17, 13)
    assert CAL.add_business_hours(ny(2026, 11, 17, 9), 8.5) == ny(2026, 11, 17, 17, 30)


def test_across_a_weekend() -> None:
    # Friday 15:30 + 4 h: 2 h on Friday, 2 h on Monday
    assert CAL.add_business_hours(ny(2026, 11, 13, 15, 30), 4) == ny(2026, 11, 16, 11)


def test_across_thanksgiving() -> None:
    # Wednesday 2026-11-25 17:00 + 1 h: 0.5 h Wednesday; Thursday is Thanksgiving; 0.5 h Friday
    assert CAL.add_business_hours(ny(2026, 11, 25, 17), 1) == ny(2026, 11, 27, 9, 30)
    assert not CAL.is_business_time(ny(2026, 11, 26, 11))


def test_a_state_holiday_counts_only_with_its_subdivision() -> None:
    boston = BusinessCalendar(
        "America/New_York", time(9), time(17), frozenset(range(5)), "US", "MA"
    )
    patriots_day = ny(2026, 4, 20, 10)  # third Monday of April, a holiday in Massachusetts only
    assert CAL.is_business_time(patriots_day)
    assert not boston.is_business_time(patriots_day)
    assert boston.add_business_hours(ny(2026, 4, 17, 16), 2) == ny(2026, 4, 21, 10)


def test_start_outside_hours_rolls_to_the_next_opening() -> None:
    assert CAL.add_business_hours(ny(2026, 11, 14, 12), 1) == ny(2026, 11, 16, 10)  # Saturday noon
    assert CAL.add_business_hours(ny(2026, 11, 17, 7), 1) == ny(2026, 11, 17, 10)  # before opening
    assert CAL.add_business_hours(ny(2026, 11, 17, 17, 30), 0) == ny(2026, 11, 18, 9)  # at closing
    assert CAL.add_business_hours(ny(2026, 11, 17, 11), 0) == ny(2026, 11, 17, 11)


def test_negative_hours_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL.add_business_hours(ny(2026, 11, 17, 11), -1)


def test_across_the_autumn_dst_change() -> None:
    # DST ends Sunday 2026-11-01. Friday 16:30 EDT + 2 h: 1 h Friday, 1 h Monday -> 10:00 EST
    landed = CAL.add_business_hours(ny(2026, 10, 30, 16, 30), 2)
    assert landed == ny(2026, 11, 2, 10)
    assert landed.utcoffset() == timedelta(hours=-5)
    assert landed.astimezone(UTC) == datetime(2026, 11, 2, 15, tzinfo=UTC)
    assert CAL.business_hours_between(ny(2026, 10, 30, 16, 30), ny(2026, 11, 2, 10)) == 2.0


def test_a_window_across_the_dst_jump_counts_real_hours() -> None:
    # A night shift 01:00-04:00 every day: on 2026-03-08 clocks jump 02:00 -> 03:00, so that
    # window holds 2 real hours; on 2026-11-01 01:00-02:00 happens twice, so it holds 4.
    night = BusinessCalendar("America/New_York", time(1), time(4), frozenset(range(7)), "US")
    assert night.business_hours_between(ny(2026, 3, 8, 0), ny(2026, 3, 9, 0)) == 2.0
    assert night.business_hours_between(ny(2026, 11, 1, 0), ny(2026, 11, 2, 0)) == 4.0
    # 2.5 h from 01:00 on spring-forward day: 2 h that night, 0.5 h the next -> 2026-03-09 01:30
    assert night.add_business_hours(ny(2026, 3, 8, 1), 2.5) == ny(2026, 3, 9, 1, 30)
    # 1.5 h from 01:00 EDT on fall-back day is 01:30 EST, the second 01:30 of the night
    landed = night.add_business_hours(ny(2026, 11, 1, 1), 1.5)
    assert landed.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_hours_between_skips_nights_weekends_and_holidays() -> None:
    # Wed 25th 09:00 -> Mon 30th 09:00: Wednesday 8.5, Thanksgiving 0, Friday 8.5, weekend 0
    assert CAL.business_hours_between(ny(2026, 11, 25, 9), ny(2026, 11, 30, 9)) == 17.0
    assert CAL.business_hours_between(ny(2026, 11, 30, 9), ny(2026, 11, 25, 9)) == 0.0
    # A moment given in another zone is the same instant: 14:00 UTC is 09:00 in New York
    utc_start = datetime(2026, 11, 17, 14, tzinfo=UTC)
    assert CAL.business_hours_between(utc_start, ny(2026, 11, 17, 10, 30)) == 1.5


def test_next_business_day_start() -> None:
    assert CAL.next_business_day_start(ny(2026, 11, 13, 10)) == ny(2026, 11, 16, 9)  # Fri -> Mon
    assert CAL.next_business_day_start(ny(2026, 11, 25, 7)) == ny(2026, 11, 27, 9)  # skips Thu
    assert CAL.next_business_day_start(ny(2026, 11, 16, 7)) == ny(2026, 11, 17, 9)  # not today


def test_a_broken_calendar_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="time zone"):
        BusinessCalendar("Mars/Olympus", time(9), time(17), frozenset(range(5)), "US")
    with pytest.raises(ValueError, match="start before"):
        BusinessCalendar("UTC", time(17), time(9), frozenset(range(5)), "US")
    with pytest.raises(ValueError, match="weekdays"):
        BusinessCalendar("UTC", time(9), time(17), frozenset(), "US")
    with pytest.raises(ValueError, match="holiday"):
        BusinessCalendar("UTC", time(9), time(17), frozenset(range(5)), "XX")


# -- reminders --------------------------------------------------------------------------------


def test_reminder_at_75_percent_within_one_business_day() -> None:
    # SLA 8 h from Tue 09:00: reminder at 6 h (15:00), breach 17:00, repeat 4 h later:
    # 0.5 h Tuesday + 3.5 h Wednesday -> Wed 12:30
    plan = plan_reminders(ny(2026, 11, 17, 9), 8, RULE, CAL)
    assert [(p.kind, p.due_at, p.sequence) for p in plan] == [
        ("reminder", ny(2026, 11, 17, 15), 0),
        ("escalation", ny(2026, 11, 17, 17), 0),
        ("repeat", ny(2026, 11, 18, 12, 30), 1),
    ]


def test_plan_across_thanksgiving_and_a_weekend() -> None:
    # SLA 17 h from Wed 13:00: Wednesday gives 4.5 h, Friday 8.5 h (13 h), Monday the last 4 h.
    # Reminder at 12.75 h: 4.5 + 8.25 -> Fri 17:15. Repeat 4 h after Mon 13:00 -> Mon 17:00.
    reminder, escalation, repeat = plan_reminders(ny(2026, 11, 25, 13), 17, RULE, CAL)
    assert reminder.due_at == ny(2026, 11, 27, 17, 15)
    assert escalation.due_at == ny(2026, 11, 30, 13)
    assert repeat.due_at == ny(2026, 11, 30, 17)


def test_plan_is_finite_ordered_and_repeats_continue_one_at_a_time() -> None:
    plan = plan_reminders(ny(2026, 11, 9, 9), 17, RULE, CAL)
    assert [p.kind for p in plan] == ["reminder", "escalation", "repeat"]
    assert [p.due_at for p in plan] == sorted(p.due_at for p in plan)
    # breach Tue 10th 17:30; Wednesday 11th is Veterans Day, so repeats land Thursday and after
    assert plan[1].due_at == ny(2026, 11, 10, 17, 30)
    assert plan[2].due_at == ny(2026, 11, 12, 13)
    assert next_repeat(plan[2].due_at, RULE, CAL) == ny(2026, 11, 12, 17)
    assert next_repeat(ny(2026, 11, 12, 17), RULE, CAL) == ny(2026, 11, 13, 12, 30)


def test_the_first_repeat_can_be_left_to_the_tick() -> None:
    plan = plan_reminders(ny(2026, 11, 17, 9), 8, RULE, CAL, first_repeat=False)
    assert [(p.kind, p.due_at) for p in plan] == [
        ("reminder", ny(2026, 11, 17, 15)),
        ("escalation", ny(2026, 11, 17, 17)),
    ]


def test_a_reminder_at_100_percent_is_the_escalation_alone() -> None:
    plan = plan_reminders(ny(2026, 11, 17, 9), 8, ReminderRule(1.0, 4), CAL)
    assert [p.kind for p in plan] == ["escalation", "repeat"]


def test_reminder_rule_is_checked() -> None:
    with pytest.raises(ValueError):
        ReminderRule(first_at=0, repeat_every_hours=4)
    with pytest.raises(ValueError):
        ReminderRule(first_at=0.75, repeat_every_hours=0)


# -- quiet hours in the recipient's zone ------------------------------------------------------


def test_recipient_in_kolkata_waits_for_the_end_of_their_night() -> None:
    due = ny(2026, 11, 10, 12)  # noon in New York is 22:30 in Kolkata
    sent = next_send_time(due, "Asia/Kolkata", NIGHT)
    assert sent == datetime(2026, 11, 11, 8, 0, tzinfo=KOLKATA)
    assert sent.tzinfo == KOLKATA
    # The same moment is daytime for a New York recipient: sent at once
    assert next_send_time(due, "America/New_York", NIGHT) == due
    # New York's evening is Kolkata's morning: 23:00 EST is 09:30 IST, outside Sam's night
    evening = ny(2026, 11, 10, 23)
    assert next_send_time(evening, "Asia/Kolkata", NIGHT) == evening


def test_quiet_hours_wrapping_midnight() -> None:
    assert NIGHT.contains(time(19)) and NIGHT.contains(time(23, 59)) and NIGHT.contains(time(0))
    assert NIGHT.contains(time(7, 59)) and not NIGHT.contains(time(8))
    assert not NIGHT.contains(time(18, 59))
    # after midnight: the end of quiet hours is the same morning
    early = datetime(2026, 11, 11, 6, 15, tzinfo=KOLKATA)
    assert next_send_time(early, "Asia/Kolkata", NIGHT) == datetime(2026, 11, 11, 8, tzinfo=KOLKATA)
    # before midnight: the next morning
    late = datetime(2026, 11, 11, 19, tzinfo=KOLKATA)
    assert next_send_time(late, "Asia/Kolkata", NIGHT) == datetime(2026, 11, 12, 8, tzinfo=KOLKATA)


def test_quiet_hours_within_one_day_and_none() -> None:
    small_hours = QuietHours(time(0), time(7))
    assert small_hours.contains(time(3)) and not small_hours.contains(time(23))
    due = datetime(2026, 11, 11, 3, tzinfo=KOLKATA)
    assert next_send_time(due, "Asia/Kolkata", small_hours) == datetime(
        2026, 11, 11, 7, tzinfo=KOLKATA
    )
    assert next_send_time(due, "Asia/Kolkata", QuietHours(time(8), time(8))) == due


def test_unknown_recipient_zone_falls_back_to_the_team_zone() -> None:
    due = ny(2026, 11, 10, 12)  # noon in New York, 22:30 in Kolkata
    assert next_send_time(due, "Not/AZone", NIGHT, fallback_tz="America/New_York") == due
    assert next_send_time(due, None, NIGHT, fallback_tz="America/New_York") == due
    moved = next_send_time(due, "Not/AZone", NIGHT, fallback_tz="Asia/Kolkata")
    assert moved == datetime(2026, 11, 11, 8, tzinfo=KOLKATA)


# -- snooze and status ------------------------------------------------------------------------


def test_snooze_one_hour_is_wall_clock() -> None:
    assert snooze_until(ny(2026, 11, 13, 17), "1h", CAL) == ny(2026, 11, 13, 18)  # after closing
    # 01:30 EDT + 1 h on fall-back night is 01:30 EST: one real hour, not zero
    # (subtracting in UTC: Python compares datetimes sharing a zone by wall time)
    back = snooze_until(ny(2026, 11, 1, 1, 30), "1h", CAL)
    assert back.astimezone(UTC) - ny(2026, 11, 1, 1, 30).astimezone(UTC) == timedelta(hours=1)
    assert back.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_snooze_one_business_day() -> None:
    assert snooze_until(ny(2026, 11, 13, 16), "1bd", CAL) == ny(2026, 11, 16, 16)  # Fri -> Mon
    assert snooze_until(ny(2026, 11, 13, 18), "1bd", CAL) == ny(2026, 11, 16, 9)  # after hours
    assert snooze_until(ny(2026, 11, 14, 10), "1bd", CAL) == ny(2026, 11, 16, 9)  # Saturday
    assert snooze_until(ny(2026, 11, 16, 7), "1bd", CAL) == ny(2026, 11, 17, 9)  # before opening
    assert snooze_until(ny(2026, 11, 25, 10), "1bd", CAL) == ny(2026, 11, 27, 10)  # Thanksgiving
    with pytest.raises(ValueError):
        snooze_until(ny(2026, 11, 25, 10), "1w", CAL)


def test_sla_status() -> None:
    entered = ny(2026, 11, 9, 9)  # Monday; SLA 17 h is due Tuesday 17:30
    elapsed, fraction, breached, due_at = sla_status(entered, 17, ny(2026, 11, 10, 13, 15), CAL)
    assert (elapsed, fraction, breached, due_at) == (12.75, 0.75, False, ny(2026, 11, 10, 17, 30))
    late = sla_status(entered, 17, ny(2026, 11, 12, 10), CAL)  # Wed is Veterans Day: +1 h Thu
    assert late.elapsed_hours == 18.0 and late.breached
    assert late.fraction == pytest.approx(18 / 17)
    assert sla_status(entered, 17, ny(2026, 11, 10, 17, 30), CAL).breached  # due moment itself


def test_breach_cutoff_agrees_with_sla_status() -> None:
    """Around evenings, weekends, Thanksgiving and the November DST change: entered at the
    cutoff is breached, a minute later is not, and random entries fall on the right side."""
    calendar, ny = CAL, NY
    rng = random.Random(5)
    moments = [
        datetime(2026, 10, 30, 8, tzinfo=ny) + timedelta(minutes=rng.randrange(40 * 24 * 60))
        for _ in range(60)
    ]
    moments += [datetime(2026, 11, 30, 9, tzinfo=ny), datetime(2026, 11, 27, 17, 30, tzinfo=ny)]
    for now in moments:
        for sla in (1.0, 8.5, 16.0, 20.25):
            cutoff = breach_cutoff(sla, now, calendar)
            assert sla_status(cutoff, sla, now, calendar).breached, (now, sla)
            assert not sla_status(cutoff + timedelta(minutes=1), sla, now, calendar).breached
            for _ in range(5):
                entered = now - timedelta(minutes=rng.randrange(14 * 24 * 60))
                assert sla_status(entered, sla, now, calendar).breached == (entered <= cutoff)
