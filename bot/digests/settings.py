"""A person's daily digest: reading the time they type, when their digest is due, how to say it.

Personal digests are opt-in (`/mops digest on`). One comes on the team's working days at the
person's chosen time on their own clock, within the working day (the policy's business hours, read
on that clock) and never in quiet hours. A digest whose time passed while nobody could send it
waits for the next working day instead of arriving in the evening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.sla.calendar import as_time, calendar_for
from bot.sla.reminders import quiet_hours_for
from policies.schema import Policy

# 9 · 09:30 · 9.30 · 9am · 9:30 pm · 2p.m.
TYPED_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{1,2}))?\s*(?:([ap])\.?m?\.?)?$")
NAMED_TIMES = {"noon": time(12, 0), "midday": time(12, 0)}
EXAMPLES = "`9`, `10:30`, `14:00`, `2pm` or `noon`"


class BadTime(ValueError):
    """What the person typed is not a time they may choose; the message says why."""


@dataclass(frozen=True)
class Choice:
    """A person's setting as it applies now."""

    enabled: bool
    at: time  # on their own clock
    timezone: str


def read_time(typed: str) -> time:
    """The clock time in `typed` ("9", "9:30", "2pm", "noon"); BadTime says what is wrong."""
    text = typed.strip().lower()
    if text in NAMED_TIMES:
        return NAMED_TIMES[text]
    found = TYPED_TIME.match(text)
    if found is None:
        raise BadTime(f"I can't read `{typed}` as a time of day. Try {EXAMPLES}.")
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    half = found.group(3)
    if found.group(2) is not None and len(found.group(2)) != 2:
        raise BadTime(f"`{typed}`: write the minutes with two digits, like `9:05`.")
    if minute > 59:
        raise BadTime(f"`{typed}` isn't a time of day: minutes go 00 to 59.")
    if half is None:
        if hour > 23:
            raise BadTime(f"`{typed}` isn't a time of day: hours go 0 to 23.")
        return time(hour, minute)
    if not 1 <= hour <= 12:
        raise BadTime(f"`{typed}` isn't a time of day: with am or pm, hours go 1 to 12.")
    return time(hour % 12 + (12 if half == "p" else 0), minute)


def working_day(policy: Policy) -> tuple[time, time]:
    """When a digest may be chosen to come: [start, end) of the policy's business hours."""
    hours = policy.business_hours
    return as_time(hours.start), as_time(hours.end)


def check_time(policy: Policy, at: time) -> None:
    """BadTime when `at` is outside the working day or inside quiet hours."""
    start, end = working_day(policy)
    span = f"between {start:%H:%M} and {end:%H:%M} your time"
    if at < start:
        raise BadTime(f"{at:%H:%M} is before the working day starts: pick a time {span}.")
    if at >= end:
        raise BadTime(f"{at:%H:%M} is after the working day ends: pick a time {span}.")
    quiet = quiet_hours_for(policy)
    if quiet.contains(at):
        raise BadTime(
            f"{at:%H:%M} is in quiet hours ({quiet.start:%H:%M} to {quiet.end:%H:%M}), when I "
            f"send no messages: pick a time {span}."
        )


def chosen_time(policy: Policy, stored: str | None) -> time:
    """The person's time, or the policy's default; a stored time the policy no longer allows
    (its business hours changed) falls back to the start of the working day."""
    at = as_time(stored or policy.digests.user_default_time)
    try:
        check_time(policy, at)
    except BadTime:
        return working_day(policy)[0]
    return at


def zone(name: str | None, policy: Policy) -> ZoneInfo:
    """The person's zone from Slack; the team's when Slack has none or one we don't know."""
    try:
        return ZoneInfo(name) if name else ZoneInfo(policy.business_hours.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(policy.business_hours.timezone)


def is_due(policy: Policy, at: time, local_now: datetime) -> bool:
    """Whether a digest chosen for `at` goes now (`local_now` on the person's clock): a working
    day, at or after `at`, before the working day ends, outside quiet hours."""
    if not calendar_for(policy).is_business_day(local_now.date()):
        return False
    clock = local_now.time()
    _, end = working_day(policy)
    return at <= clock < end and not quiet_hours_for(policy).contains(clock)


def describe(choice: Choice, *, changed_time: bool = False) -> str:
    """The setting in words, with what to type to change it."""
    when = f"{choice.at:%H:%M} your time ({choice.timezone})"
    if not choice.enabled and changed_time:
        return (
            f"Your daily digest will come at {when}, but it is off: `/mops digest on` turns it on."
        )
    if not choice.enabled:
        return (
            "Your daily digest is off. `/mops digest on` sends you, on working days at "
            f"{when}, the briefs that wait on you; `/mops digest time 10:30` picks another time."
        )
    lead = "Your daily digest now comes" if changed_time else "Your daily digest is on: it comes"
    return (
        f"{lead} on working days at {when} when something waits on you. "
        "`/mops digest time 10:30` changes the time; `/mops digest off` stops it."
    )
