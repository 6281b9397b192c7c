"""Launch times as people type them (`2027-03-01 09:00`, in their own time zone) and say them."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

_WHEN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\s+(\d{1,2}):(\d{2})$")
USAGE = (
    "Usage: `/brief schedule ID DATE TIME`, like `/brief schedule 3 2027-03-01 09:00` "
    "(your own time zone); `/brief schedule ID` marks it scheduled without a time."
)


def parse(text: str, timezone: str) -> datetime | str:
    """The moment `text` names on the `timezone` clock, or why it names none."""
    match = _WHEN.match(text.strip())
    if not match:
        return f"I can't read `{text.strip()}` as a date and time. {USAGE}"
    year, month, day, hour, minute = (int(part) for part in match.groups())
    if hour > 23 or minute > 59:
        return f"`{hour}:{minute:02d}` is not a time (hours go 0 to 23). {USAGE}"
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(timezone))
    except ValueError:
        return f"`{year}-{month:02d}-{day:02d}` is not a date on the calendar. {USAGE}"
    # Through UTC and back: a wall time a DST change skips is moved to a real instant.
    return local.astimezone(ZoneInfo("UTC"))


def at(moment: datetime, timezone: str) -> str:
    """ "on Mon 1 Mar 2027 at 09:00" on the person's own clock (an ephemeral, read by them)."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"on {local:%a} {local.day} {local:%b %Y} at {local:%H:%M}"
