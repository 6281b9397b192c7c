"""Business time for SLAs: the team's hours, weekdays and holidays (the `holidays` package).

Pure: every function takes the moment it reasons about; nothing reads a clock. Arithmetic is done
in the team's local wall time one business day at a time, so DST changes and holidays fall out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

MAX_DAYS_SCANNED = 3660  # ten years: a calendar with no business days at all is a policy error


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str
    start: time
    end: time
    weekdays: frozenset[int]  # Monday is 0
    holiday_country: str
    holiday_subdivision: str | None = None
    _holidays: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self._holidays_for(day.year)

    def _holidays_for(self, year: int) -> holidays.HolidayBase:
        if year not in self._holidays:
            self._holidays[year] = holidays.country_holidays(
                self.holiday_country, subdiv=self.holiday_subdivision, years=year)
        return self._holidays[year]

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The business hours of `day` as aware datetimes, or None on a weekend or holiday."""
        if not self.is_business_day(day):
            return None
        return (datetime.combine(day, self.start, self.zone), datetime.combine(day, self.end, self.zone))

    def is_business_time(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        window = self.window(local.date())
        return window is not None and window[0] <= local < window[1]

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of business time after `start` (which may be outside hours)."""
        remaining = timedelta(hours=hours)
        cursor = start.astimezone(self.zone)
        day = cursor.date()
        for _ in range(MAX_DAYS_SCANNED):
            window = self.window(day)
            if window is not None:
                begin = max(cursor, window[0])
                if begin < window[1]:
                    available = window[1] - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0), self.zone)
        raise ValueError("the business calendar has no business days")

    def business_hours_between(self, a: datetime, b: datetime) -> float:
        if b <= a:
            return 0.0
        total = timedelta()
        day, last = a.astimezone(self.zone).date(), b.astimezone(self.zone).date()
        while day <= last:
            window = self.window(day)
            if window is not None:
                begin, end = max(window[0], a), min(window[1], b)
                if end > begin:
                    total += end - begin
            day += timedelta(days=1)
        return total.total_seconds() / 3600

    def next_business_day_start(self, moment: datetime) -> datetime:
        day = moment.astimezone(self.zone).date() + timedelta(days=1)
        for _ in range(MAX_DAYS_SCANNED):
            window = self.window(day)
            if window is not None:
                return window[0]
            day += timedelta(days=1)
        raise ValueError("the business calendar has no business days")


@dataclass(frozen=True)
class QuietHours:
    """A person's night, in their own time zone; may wrap midnight (19:00-08:00)."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def next_send_time(due: datetime, recipient_tz: str | None, quiet: QuietHours,
                   fallback_tz: str = "UTC") -> datetime:
    """`due`, or the end of the recipient's quiet hours when `due` falls inside them.
    An unknown time zone falls back to the team's (`fallback_tz`)."""
    try:
        zone = ZoneInfo(recipient_tz or fallback_tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(fallback_tz)
    local = due.astimezone(zone)
    if not quiet.contains(local.time()):
        return due
    end_day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, quiet.end, zone)


@dataclass(frozen=True)
class ReminderRule:
    first_at: float  # share of the SLA at which the first reminder goes out
    repeat_every_hours: float  # business hours between repeats after the breach


@dataclass(frozen=True)
class PlannedReminder:
    kind: str  # reminder | escalation
    due_at: datetime
    sequence: int = 0


def plan_reminders(entered_at: datetime, sla_hours: float, rule: ReminderRule,
                   calendar: BusinessCalendar) -> list[PlannedReminder]:
    """The first reminder and the escalation at breach; repeats are planned one at a time
    by the tick (`next_repeat`), so the plan stays finite."""
    return [
        PlannedReminder("reminder", calendar.add_business_hours(entered_at, sla_hours * rule.first_at)),
        PlannedReminder("escalation", calendar.add_business_hours(entered_at, sla_hours)),
    ]


def next_repeat(after: datetime, rule: ReminderRule, calendar: BusinessCalendar) -> datetime:
    return calendar.add_business_hours(after, rule.repeat_every_hours)


def snooze_until(now: datetime, option: str, calendar: BusinessCalendar) -> datetime:
    """"1h" is an hour of wall time (what a person means); "1bd" is the same business moment on
    the next business day (the start of it when asked outside hours)."""
    if option == "1h":
        return now + timedelta(hours=1)
    if option == "1bd":
        if calendar.is_business_time(now):
            local = now.astimezone(calendar.zone)
            next_start = calendar.next_business_day_start(now)
            offset = local - datetime.combine(local.date(), calendar.start, calendar.zone)
            return next_start + offset
        return calendar.add_business_hours(calendar.next_business_day_start(now), 0)
    raise ValueError(f"unknown snooze option {option!r}")


@dataclass(frozen=True)
class SlaStatus:
    elapsed_hours: float
    fraction: float
    breached: bool
    due_at: datetime


def sla_status(entered_at: datetime, sla_hours: float, now: datetime,
               calendar: BusinessCalendar) -> SlaStatus:
    elapsed = calendar.business_hours_between(entered_at, now)
    return SlaStatus(elapsed, elapsed / sla_hours if sla_hours else 0.0, elapsed >= sla_hours,
                     calendar.add_business_hours(entered_at, sla_hours))
