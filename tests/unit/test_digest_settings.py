"""Reading the time a person types for their digest, and when a chosen time is due."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.digests.settings import BadTime, check_time, chosen_time, is_due, read_time
from policies.loader import load_policy

POLICY = load_policy(Path("policies/default.yaml"))
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("9", time(9)),
        ("09", time(9)),
        ("9:30", time(9, 30)),
        ("9.30", time(9, 30)),
        ("14:05", time(14, 5)),
        ("9am", time(9)),
        ("9 AM", time(9)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("2:30pm", time(14, 30)),
        ("2 p.m.", time(14)),
        ("noon", time(12)),
        ("Midday", time(12)),
        ("0:00", time(0)),
    ],
)
def test_times_people_type(typed: str, meant: time) -> None:
    assert read_time(typed) == meant


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("25:00", "hours go 0 to 23"),
        ("9:75", "minutes go 00 to 59"),
        ("9:5", "two digits"),
        ("13pm", "hours go 1 to 12"),
        ("0am", "hours go 1 to 12"),
        ("soon", "can't read"),
        ("", "can't read"),
        ("9:30:00", "can't read"),
    ],
)
def test_what_is_not_a_time_says_why(typed: str, reason: str) -> None:
    with pytest.raises(BadTime, match=reason):
        read_time(typed)


def test_only_times_within_the_working_day() -> None:
    check_time(POLICY, time(9))
    check_time(POLICY, time(17, 29))
    for outside in (time(8, 59), time(17, 30), time(20), time(3)):
        with pytest.raises(BadTime, match="between 09:00 and 17:30"):
            check_time(POLICY, outside)


def test_a_time_the_policy_no_longer_allows_falls_back_to_the_start_of_the_day() -> None:
    assert chosen_time(POLICY, None) == time(9)
    assert chosen_time(POLICY, "07:30") == time(9)
    assert chosen_time(POLICY, "11:15") == time(11, 15)


def test_due_from_its_time_until_the_working_day_ends_on_working_days() -> None:
    friday = datetime(2026, 11, 13, tzinfo=AMSTERDAM)
    at = time(9, 30)
    assert not is_due(POLICY, at, friday.replace(hour=9, minute=29))
    assert is_due(POLICY, at, friday.replace(hour=9, minute=30))
    assert is_due(POLICY, at, friday.replace(hour=17, minute=29))
    assert not is_due(POLICY, at, friday.replace(hour=17, minute=30))
    assert not is_due(POLICY, at, friday.replace(hour=21, minute=25))
    assert not is_due(POLICY, at, datetime(2026, 11, 14, 10, tzinfo=AMSTERDAM))  # Saturday
    assert not is_due(POLICY, at, datetime(2026, 11, 11, 10, tzinfo=AMSTERDAM))  # US holiday
