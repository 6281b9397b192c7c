"""Business time for SLAs: the team's hours, weekdays and holidays (the `holidays` package).

Pure: every function takes the moment it reasons about; nothing reads a clock. Each business day is
laid out in the team's local wall time (09:00-17:30 stays 09:00-17:30 across a DST change) and
turned into UTC instants, so durations are real elapsed time even on a 23- or 25-hour day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

MAX_DAYS_SCANNED = 3660  # ten years without a business day means the calendar is broken


@lru_cache(maxsize=256)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    # One lookup per (country, subdivision, year) per process: the package builds lists slowly.
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


@dataclass(frozen=True)
class BusinessCalendar:
    """The team's working time. `start` < `end` on the same day; overnight shifts are not modelled.
    A moment exactly at `end` is outside business hours."""

    timezone: str
    start: time
    end: time
    weekdays: frozenset[int]  # Monday is 0
    holiday_country: str
    holiday_subdivision: str | None = None

    def __post_init__(self) -> None:
        _zone(self.timezone)
        if not self.start < self.end:
            raise ValueError(f"business hours must start before they end ({self.start}-{self.end})")
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("business days must be a non-empty set of weekdays 0 (Mon) to 6 (Sun)")
        try:  # any year will do: this checks that the country and subdivision exist
            _holiday_dates(self.holiday_country, self.holiday_subdivision, 2026)
        except NotImplementedError as error:
            raise ValueError(f"no holiday calendar: {error}") from error

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in _holiday_dates(
            self.holiday_country, self.holiday_subdivision, day.year
        )

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The business hours of `day` (team's local date) in the team's zone, or None when closed."""
        if not self.is_business_day(day):
            return None
        return self._local(day, self.start), self._local(day, self.end)

    def windows(self, first: date, last: date) -> list[tuple[datetime, datetime]]:
        """Every business window from `first` to `last` (local dates, inclusive), in order."""
        found = []
        day = first
        while day <= last:
            window = self.window(day)
            if window is not None:
                found.append(window)
            day += timedelta(days=1)
        return found

    def is_business_time(self, moment: datetime) -> bool:
        window = self.window(moment.astimezone(self.zone).date())
        # Compared in UTC: two datetimes sharing a ZoneInfo compare by wall time, blind to `fold`.
        instant = moment.astimezone(UTC)
        return window is not None and window[0].astimezone(UTC) <= instant < window[1].astimezone(
            UTC
        )

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of business time after `start`. A start outside business hours
        counts from the next opening, so adding 0 hours rolls forward to it."""
        if hours < 0:
            raise ValueError("business hours to add must not be negative")
        remaining = timedelta(hours=hours)
        cursor = start.astimezone(UTC)
        day = start.astimezone(self.zone).date()
        for _ in range(MAX_DAYS_SCANNED):
            window = self.window(day)
            if window is not None:
                begin, closes = max(cursor, window[0].astimezone(UTC)), window[1].astimezone(UTC)
                if begin < closes:
                    if remaining <= closes - begin:
                        return (begin + remaining).astimezone(self.zone)
                    remaining -= closes - begin
            day += timedelta(days=1)
        raise ValueError("the business calendar has no business days")

    def business_hours_between(self, a: datetime, b: datetime) -> float:
        """Business hours from `a` to `b`; 0 when `b` is not after `a`."""
        if b <= a:
            return 0.0
        local_a, local_b = a.astimezone(self.zone).date(), b.astimezone(self.zone).date()
        a, b = a.astimezone(UTC), b.astimezone(UTC)
        total = timedelta()
        for opens, closes in self.windows(local_a, local_b):
            begin, end = max(opens.astimezone(UTC), a), min(closes.astimezone(UTC), b)
            if end > begin:
                total += end - begin
        return total.total_seconds() / 3600

    def next_business_day_start(self, moment: datetime) -> datetime:
        """The opening of the first business day after `moment`'s local date (not `moment`'s own
        day, even before it opens)."""
        day = moment.astimezone(self.zone).date()
        for _ in range(MAX_DAYS_SCANNED):
            day += timedelta(days=1)
            window = self.window(day)
            if window is not None:
                return window[0]
        raise ValueError("the business calendar has no business days")

    def _local(self, day: date, at: time) -> datetime:
        # The UTC round trip resolves a wall time that a DST gap skips (02:30 on spring-forward
        # day becomes 03:30) and sets `fold` right, so comparisons see real instants.
        return datetime.combine(day, at, self.zone).astimezone(UTC).astimezone(self.zone)


@dataclass(frozen=True)
class QuietHours:
    """A person's night in their own time zone, [start, end); may wrap midnight (19:00-08:00).
    start == end means no quiet hours."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def next_send_time(
    due: datetime, recipient_tz: str | None, quiet: QuietHours, fallback_tz: str = "UTC"
) -> datetime:
    """`due`, or the end of the recipient's quiet hours when `due` falls inside them, judged on
    the recipient's own clock. A missing or unknown recipient zone (Slack's `users.info` tz can be
    absent or stale) falls back to `fallback_tz`: pass the team's zone (`calendar.timezone`)."""
    try:
        zone = ZoneInfo(recipient_tz) if recipient_tz else _zone(fallback_tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = _zone(fallback_tz)
    local = due.astimezone(zone)
    if not quiet.contains(local.time()):
        return due
    # Inside quiet hours: before `end` means this morning's end, otherwise tomorrow morning's.
    end_day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, quiet.end, zone).astimezone(UTC).astimezone(zone)


@dataclass(frozen=True)
class ReminderRule:
    first_at: float  # share of the SLA at which the first reminder goes; 1 means none before breach
    repeat_every_hours: float  # business hours between repeats after the breach

    def __post_init__(self) -> None:
        if not 0 < self.first_at <= 1:
            raise ValueError("first_at must be a share of the SLA in (0, 1]")
        if self.repeat_every_hours <= 0:
            raise ValueError("repeat_every_hours must be positive")


ReminderKind = Literal["reminder", "escalation", "repeat"]


@dataclass(frozen=True)
class PlannedReminder:
    kind: ReminderKind
    due_at: datetime
    sequence: int = 0  # numbers the repeats from 1; the reminder and the escalation are 0


def plan_reminders(
    entered_at: datetime,
    sla_hours: float,
    rule: ReminderRule,
    calendar: BusinessCalendar,
    *,
    first_repeat: bool = True,
) -> list[PlannedReminder]:
    """What to send for a stage entered at `entered_at`, in due order: the first reminder at
    `first_at` of the SLA (left out when it would coincide with the breach), the escalation at the
    breach, and the first repeat. Later repeats come one at a time from `next_repeat` when the tick
    sends one, so the plan stays finite however long nobody acts.

    `first_repeat=False` leaves the first repeat to the tick too (planned from the moment the
    escalation is really sent): after downtime, an overdue escalation then goes out alone instead
    of together with an equally overdue first repeat."""
    breach = calendar.add_business_hours(entered_at, sla_hours)
    plan = []
    first = calendar.add_business_hours(entered_at, sla_hours * rule.first_at)
    if first < breach:
        plan.append(PlannedReminder("reminder", first))
    plan.append(PlannedReminder("escalation", breach))
    if first_repeat:
        plan.append(PlannedReminder("repeat", next_repeat(breach, rule, calendar), sequence=1))
    return plan


def next_repeat(after: datetime, rule: ReminderRule, calendar: BusinessCalendar) -> datetime:
    """The repeat after one sent (or due) at `after`: `repeat_every_hours` of business time later."""
    return calendar.add_business_hours(after, rule.repeat_every_hours)


SnoozeOption = Literal["1h", "1bd"]


def snooze_until(now: datetime, option: SnoozeOption | str, calendar: BusinessCalendar) -> datetime:
    """When a snoozed reminder comes back.

    "1h" is one hour of wall-clock time: what a person means by "remind me in an hour", even at
    17:00 (the recipient's quiet hours still hold the DM back when it is sent). "1bd" is the next
    business day after today (team's local date), at the same local time when `now` is within
    business hours, otherwise at that day's opening: Friday 16:00 gives Monday 16:00, Friday 18:00
    or Saturday give Monday 09:00, Monday 07:00 gives Tuesday 09:00.
    """
    if option == "1h":
        return (now.astimezone(UTC) + timedelta(hours=1)).astimezone(now.tzinfo)
    if option == "1bd":
        opening = calendar.next_business_day_start(now)
        if not calendar.is_business_time(now):
            return opening
        return calendar._local(opening.date(), now.astimezone(calendar.zone).time())
    raise ValueError(f"unknown snooze option {option!r}")


class SlaStatus(NamedTuple):
    elapsed_hours: float  # business hours since the stage was entered
    fraction: float  # elapsed / SLA; 1.0 and above is a breach
    breached: bool
    due_at: datetime


def sla_status(
    entered_at: datetime, sla_hours: float, now: datetime, calendar: BusinessCalendar
) -> SlaStatus:
    """Where a stage stands against its SLA at `now`; breached from the due moment on."""
    elapsed = calendar.business_hours_between(entered_at, now)
    due_at = calendar.add_business_hours(entered_at, sla_hours)
    breached = now >= due_at
    fraction = elapsed / sla_hours if sla_hours > 0 else float(breached)
    return SlaStatus(elapsed, fraction, breached, due_at)


def breach_cutoff(sla_hours: float, now: datetime, calendar: BusinessCalendar) -> datetime:
    """The latest stage entry that has breached an SLA of `sla_hours` by `now`: a stage entered
    at or before it is breached (`sla_status(...).breached`), one entered after is not. Lets a
    database count breaches with one comparison instead of working out every brief's due time.

    Walks business windows back from `now` until `sla_hours` of business time are used up."""
    if sla_hours <= 0:
        return now
    remaining = timedelta(hours=sla_hours)
    instant = now.astimezone(UTC)
    day = now.astimezone(calendar.zone).date()
    for _ in range(MAX_DAYS_SCANNED):
        window = calendar.window(day)
        if window is not None:
            opens, end = window[0].astimezone(UTC), min(window[1].astimezone(UTC), instant)
            if end > opens:
                if remaining <= end - opens:
                    return end - remaining
                remaining -= end - opens
        day -= timedelta(days=1)
    raise ValueError("the business calendar has no business days")
