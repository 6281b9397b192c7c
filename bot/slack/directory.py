"""Who is who in the workspace, read from Slack and cached briefly.

Approver groups are Slack user groups; membership is read with usergroups.users.list at decision
time (cached for a minute so a click acks fast) rather than copied into policy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.logs import get_logger

T = TypeVar("T")

log = get_logger(__name__)


class Directory:
    def __init__(self, client: WebClient, ttl_seconds: float = 60.0) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._timezones: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def members(self, usergroup_id: str) -> frozenset[str]:
        cached = self._cached(self._members, usergroup_id)
        if cached is not None:
            return cached
        try:
            users = self.client.usergroups_users_list(usergroup=usergroup_id)["users"]
        except SlackApiError as exc:
            log.warning(
                "directory.group_lookup_failed",
                usergroup=usergroup_id,
                error=exc.response.get("error"),
            )
            users = []
        members = frozenset(users)
        with self._lock:
            self._members[usergroup_id] = (time.monotonic(), members)
        return members

    def groups_of(self, user_id: str, usergroup_ids: Iterable[str]) -> frozenset[str]:
        return frozenset(gid for gid in usergroup_ids if user_id in self.members(gid))

    def timezone(self, user_id: str) -> str | None:
        cached = self._cached(self._timezones, user_id)
        if cached is not None:
            return cached or None
        try:
            tz = self.client.users_info(user=user_id)["user"].get("tz")
        except SlackApiError:
            tz = None
        with self._lock:
            self._timezones[user_id] = (time.monotonic(), tz or "")
        return tz

    def forget(self) -> None:
        with self._lock:
            self._members.clear()
            self._timezones.clear()

    def _cached(self, table: dict[str, tuple[float, T]], key: str) -> T | None:
        with self._lock:
            entry = table.get(key)
        if entry and time.monotonic() - entry[0] < self.ttl:
            return entry[1]
        return None
