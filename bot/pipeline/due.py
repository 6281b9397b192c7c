"""Due dates counted back from the launch date in the team's business days (bot.sla.calendar)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from policies.schema import Policy
from policies.sla import MAX_DAYS_SCANNED, BusinessCalendar


def business_day_before(calendar: BusinessCalendar, launch: date, days: int) -> date:
    """The business day `days` business days before `launch`; 0 is the launch day itself, or the
    last business day before it when it is closed."""
    day = launch
    for _ in range(MAX_DAYS_SCANNED):
        if calendar.is_business_day(day):
            if days == 0:
                return day
            days -= 1
        day -= timedelta(days=1)
    raise ValueError("the business calendar has no business days")


def due_at(calendar: BusinessCalendar, launch: date, days: int) -> datetime:
    """The close of business on the day a task counted back `days` from `launch` is due."""
    day = business_day_before(calendar, launch, days)
    window = calendar.window(day)
    assert window is not None  # a business day has its hours
    return window[1]


def launch_date(policy: Policy, fields: dict[str, Any]) -> date | None:
    """The brief's launch date, from the field the policy names (stored as "YYYY-MM-DD")."""
    value = fields.get(policy.pipeline.launch_date_field)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
