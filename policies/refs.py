"""The small value shapes a policy is made of: approver refs, Slack ids, clock times, time zones.

Each is an `Annotated` type, so a bad item is reported at its own path
(`workflows.brief.stages[1].approvers[0]`), not at the list that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, ValidationInfo

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
HANDLE = re.compile(r"^@[a-z0-9][a-z0-9._-]*$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Set by `declared_groups_context`: the group handles the file declares, so that every approver
# ref can say "unknown group" at its own path while the rest of the file is validated too.
GROUPS_KEY = "declared_groups"


def declared_groups_context(data: Any) -> dict[str, Any]:
    """Validation context for a raw policy mapping (see `schema.parse_policy`)."""
    groups = data.get("groups") if isinstance(data, Mapping) else None
    if groups is None:
        return {GROUPS_KEY: frozenset()}
    if not isinstance(groups, Mapping):
        return {}  # `groups` itself is reported; don't pile an error on every ref as well
    return {GROUPS_KEY: frozenset(str(handle) for handle in groups)}


def _approver_ref(value: str, info: ValidationInfo) -> str:
    if not (HANDLE.match(value) or USER_ID.match(value)):
        raise ValueError(
            f"'{value}' is neither a group handle like '@brand-team' nor a user id like 'U02BRAM'"
        )
    declared = (info.context or {}).get(GROUPS_KEY)
    if value.startswith("@") and declared is not None and value not in declared:
        raise ValueError(f"unknown group '{value}' (declare it under 'groups')")
    return value


def _handle(value: str) -> str:
    if not HANDLE.match(value):
        raise ValueError(f"group key '{value}' must be a handle like '@brand-team'")
    return value


def _usergroup_id(value: str) -> str:
    if not USERGROUP_ID.match(value):
        raise ValueError(f"'{value}' is not a user group id like 'S01BRAND'")
    return value


def _channel_id(value: str) -> str:
    if not CHANNEL_ID.match(value):
        raise ValueError(f"'{value}' is not a channel id like 'C01MKTG'")
    return value


def _escalation_target(value: str, info: ValidationInfo) -> str:
    return value if CHANNEL_ID.match(value) else _approver_ref(value, info)


def _clock_time(value: Any) -> Any:
    # An unquoted 17:30 reaches here as a string thanks to the loader; a plain int (9) is a
    # likely slip for "09:00", so say what is expected rather than guessing.
    if not isinstance(value, str) or not HHMM.match(value):
        raise ValueError(f"'{value}' is not a time like '09:00' (24-hour, quoted)")
    return value


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not an IANA time zone like 'America/New_York'") from None
    return value


def _snake(value: str) -> str:
    if not SNAKE.match(value):
        raise ValueError(f"'{value}' must be snake_case (lower-case letters, digits, _)")
    return value


_DAY_NAMES = {
    name: name[:3]
    for name in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}


def _weekday(value: Any) -> Any:
    # "mon" or "Monday" both mean Monday; anything else fails on the Literal with the choices.
    if isinstance(value, str):
        value = value.strip().lower()
        return _DAY_NAMES.get(value, value)
    return value


ApproverRef = Annotated[str, AfterValidator(_approver_ref)]
GroupHandle = Annotated[str, AfterValidator(_handle)]
UsergroupId = Annotated[str, AfterValidator(_usergroup_id)]
ChannelId = Annotated[str, AfterValidator(_channel_id)]
EscalationTarget = Annotated[str, AfterValidator(_escalation_target)]
ClockTime = Annotated[str, BeforeValidator(_clock_time)]
TimeZoneName = Annotated[str, AfterValidator(_time_zone)]
SnakeName = Annotated[str, AfterValidator(_snake)]
Day = Annotated[Weekday, BeforeValidator(_weekday)]


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)
