"""Business time for this policy: its calendar (hours, working days, holidays) and each stage's SLA.

Public for every domain that counts business hours (reminders, digests, flow): the arithmetic
itself is pure and lives in policies.sla; this module builds its inputs from the policy, once per
policy version.
"""

from __future__ import annotations

from datetime import time

from policies.schema import BusinessHours, Policy
from policies.sla import BusinessCalendar

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

_calendars: dict[str, BusinessCalendar] = {}


def weekday(day: object) -> int:
    """Monday is 0: "mon", "Monday" and "MON" are all 0."""
    return WEEKDAYS[str(day)[:3].lower()]


def as_time(value: object) -> time:
    """A clock time from the policy: a `time`, or "HH:MM"."""
    if isinstance(value, time):
        return value
    hour, minute = str(value).split(":")
    return time(int(hour), int(minute))


def business_time(hours: float, unit: str = "business hour") -> str:
    """Hours in words for people: "under an hour of business time", "1 business hour",
    "2.5 business hours", "12 business hours" (never "0.0 business h")."""
    if hours < 1:
        return "under an hour" + (" of business time" if unit.startswith("business") else "")
    shown = f"{hours:.1f}".removesuffix(".0") if hours < 10 else f"{hours:.0f}"
    return f"{shown} {unit}{'' if shown == '1' else 's'}"


def calendar_for(policy: Policy) -> BusinessCalendar:
    """One calendar per policy version, so its holiday lists are computed once."""
    if policy.version not in _calendars:
        _calendars[policy.version] = _build(policy.business_hours)
    return _calendars[policy.version]


def _build(hours: BusinessHours) -> BusinessCalendar:
    return BusinessCalendar(
        timezone=hours.timezone,
        start=as_time(hours.start),
        end=as_time(hours.end),
        weekdays=frozenset(weekday(day) for day in hours.days),
        holiday_country=hours.holidays.country,
        holiday_subdivision=hours.holidays.subdivision,
    )


def stage_sla_hours(policy: Policy, stage: str | None) -> float | None:
    """The stage's SLA in business hours; None when it has none."""
    for candidate in policy.workflows.brief.stages:
        if candidate.name == stage:
            return candidate.sla.business_hours if candidate.sla is not None else None
    gate_sla = policy.compliance.gate_sla
    if stage in policy.compliance.gate_stages and gate_sla is not None:
        return gate_sla.business_hours  # a compliance gate added to this brief's review
    return None
