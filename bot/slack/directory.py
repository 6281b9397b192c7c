"""Who is who in the workspace, read from Slack: user-group members and time zones.

Approver groups are Slack user groups, so their members are read from Slack rather than copied
into policy. One `usergroups.list` call with `include_users` answers for every group at once
(Tier 2, 20+ per minute: one call per group per click used most of a click's 3-second budget).
The runtime refreshes it in the background every minute, so a listener finds it warm and makes
no Slack call; a cold directory makes one call, shared by everyone who asks at the same moment.

A failed call keeps the last good membership. With nothing known yet, `DirectoryUnavailable`
is raised: "nobody is in @brand-team" would refuse an approver for the wrong reason and send a
reminder to no one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.clock import Clock, utcnow
from bot.core.logs import get_logger

log = get_logger(__name__)

# How long a failed cold load keeps the next one from calling again, when Slack gave no
# Retry-After: a burst of clicks on a cold directory makes one call, not one each.
COLD_RETRY = timedelta(seconds=5)
# A time zone changes when someone travels; an hour old is fine for quiet hours and digests.
TIMEZONE_TTL = timedelta(hours=1)
PEOPLE_PAGE = 200  # users.list page size Slack recommends


class DirectoryUnavailable(Exception):
    """Slack could not say who is in the user groups just now, and nothing earlier is known."""


@dataclass(frozen=True)
class _Groups:
    members: Mapping[str, frozenset[str]]  # user group id -> its members' user ids
    read_at: datetime


class Directory:
    def __init__(self, client: WebClient, *, clock: Clock = utcnow) -> None:
        self.client = client
        self.clock = clock
        self._groups: _Groups | None = None
        self._not_before: datetime | None = None  # no cold load before (Retry-After)
        self._loading = threading.Lock()  # one usergroups.list at a time, shared by waiters
        self._timezones: dict[str, tuple[datetime, str | None]] = {}

    # -- user groups ------------------------------------------------------------------------

    def members(self, usergroup_id: str) -> frozenset[str]:
        """The group's members (none for a group Slack does not list, e.g. disabled).
        Raises DirectoryUnavailable when the groups could not be read and none are known."""
        return self._known().get(usergroup_id, frozenset())

    def groups_of(self, user_id: str, usergroup_ids: Iterable[str]) -> frozenset[str]:
        known = self._known()
        return frozenset(gid for gid in usergroup_ids if user_id in known.get(gid, ()))

    def refresh(self) -> bool:
        """Read every group's members in one call; on failure keep what is known. Run by the
        runtime's scheduler every minute (and by a cold read). True when it read them."""
        with self._loading:
            return self._read()

    def forget(self) -> None:
        """After a policy reload (it may name new groups): read the groups again now, keeping
        the old membership if Slack fails, and look time zones up afresh."""
        self._timezones.clear()
        self.refresh()

    def clear(self) -> None:
        """Forget everything read from Slack, as at start-up: the next question asks it again."""
        with self._loading:
            self._groups = None
            self._not_before = None
        self._timezones.clear()

    def _known(self) -> Mapping[str, frozenset[str]]:
        groups = self._groups
        if groups is not None:
            return groups.members
        with self._loading:  # whoever comes while one call is made waits for its answer
            if self._groups is None:
                if self._not_before is not None and self.clock() < self._not_before:
                    raise DirectoryUnavailable
                if not self._read():
                    raise DirectoryUnavailable
            assert self._groups is not None
            return self._groups.members

    def _read(self) -> bool:
        now = self.clock()
        try:
            response = self.client.usergroups_list(include_users=True)
        except SlackApiError as exc:
            self._failed(now, exc.response.get("error"), exc.response.headers)
            return False
        except Exception as exc:  # connection refused, timeout: the same as a Slack error here
            self._failed(now, type(exc).__name__, {})
            return False
        self._groups = _Groups(
            members={
                group["id"]: frozenset(group.get("users") or ())
                for group in response.get("usergroups") or ()
            },
            read_at=now,
        )
        self._not_before = None
        return True

    def _failed(self, now: datetime, error: object, headers: Mapping[str, object]) -> None:
        retry_after = {k.lower(): v for k, v in headers.items()}.get("retry-after")
        wait = timedelta(seconds=float(str(retry_after))) if retry_after else COLD_RETRY
        self._not_before = now + wait
        known = self._groups
        log.warning(
            "directory.groups_unavailable",
            error=str(error),
            kept_from=known.read_at.isoformat() if known else None,
        )

    # -- time zones -------------------------------------------------------------------------

    def refresh_people(self) -> bool:
        """Everyone's time zone from users.list, a page of 200 at a time (Tier 2): a wave of
        reminders or digests to 2,000 people then asks Slack ten times, not 2,000 (users.info is
        Tier 4, 100 a minute). Run by the runtime's scheduler; on failure the old ones stay."""
        zones: dict[str, str | None] = {}
        cursor: str | None = None
        try:
            while True:
                page = self.client.users_list(limit=PEOPLE_PAGE, cursor=cursor)
                for member in page.get("members") or ():
                    zones[member["id"]] = member.get("tz") or None
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    break
        except SlackApiError as exc:
            log.warning("directory.people_unavailable", error=exc.response.get("error"))
            return False
        except Exception as exc:
            log.warning("directory.people_unavailable", error=type(exc).__name__)
            return False
        now = self.clock()
        self._timezones.update({user_id: (now, tz) for user_id, tz in zones.items()})
        return True

    def timezone(self, user_id: str) -> str | None:
        """The person's IANA time zone; None when Slack could not say (callers fall back to
        the policy's). A failure is not remembered: the next ask tries again."""
        now = self.clock()
        cached = self._timezones.get(user_id)
        if cached and now - cached[0] < TIMEZONE_TTL:
            return cached[1]
        try:
            tz = self.client.users_info(user=user_id)["user"].get("tz") or None
        except SlackApiError as exc:
            log.warning(
                "directory.timezone_unavailable", user=user_id, error=exc.response.get("error")
            )
            return None
        except Exception as exc:
            log.warning("directory.timezone_unavailable", user=user_id, error=type(exc).__name__)
            return None
        self._timezones[user_id] = (now, tz)
        return tz
