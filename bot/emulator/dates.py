"""Slack's date tokens (`<!date^1765112400^{date_short_pretty} at {time}|fallback>`) as a Slack
client shows them to one reader: in the reader's time zone, "today"/"tomorrow" where they apply.

Slack's formats (https://docs.slack.dev/messaging/formatting-message-text#date-formatting), in
its English, 12-hour clock: {date_num} 2026-12-07, {date} December 7th, 2026, {date_short}
Dec 7, 2026, {date_long} Monday, December 7th, 2026, the `_pretty` forms with today, yesterday
or tomorrow instead (capitalised at the start), {time} 1:02 PM, {time_secs} 1:02:09 PM. A
token it doesn't know shows the fallback, as a client that can't render one would.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

_FIELD = re.compile(r"\{(\w+)\}")
_RELATIVE = {-1: "yesterday", 0: "today", 1: "tomorrow"}


def ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def shown(token: str, fallback: str, tz: str, now: datetime) -> str:
    """`token` is what follows `!date^` (`<ts>^<format>[^<link>]`): the text the reader sees."""
    parts = token.split("^")
    if len(parts) < 2 or not parts[0].lstrip("-").isdigit():
        return fallback
    zone = ZoneInfo(tz)
    at = datetime.fromtimestamp(int(parts[0]), zone)
    today = now.astimezone(zone).date()
    values = _values(at, today)
    if any(name not in values for name in _FIELD.findall(parts[1])):
        return fallback

    def field(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return value[:1].upper() + value[1:] if match.start() == 0 else value

    return _FIELD.sub(field, parts[1])


def _values(at: datetime, today: date) -> dict[str, str]:
    day = at.date()
    values = {
        "date_num": f"{day:%Y-%m-%d}",
        "date": f"{day:%B} {ordinal(day.day)}, {day.year}",
        "date_short": f"{day:%b} {day.day}, {day.year}",
        "date_long": f"{day:%A}, {day:%B} {ordinal(day.day)}, {day.year}",
        "time": f"{at.hour % 12 or 12}:{at:%M %p}",
        "time_secs": f"{at.hour % 12 or 12}:{at:%M:%S %p}",
    }
    relative = _RELATIVE.get((day - today).days)
    for name in ("date", "date_short", "date_long"):
        values[f"{name}_pretty"] = relative or values[name]
    return values
