"""The names people know each other by, for showing a `<@U123>` from a message as `@name`.

Read with users.info (Tier 4, 100+ per minute) only when echoed text mentions someone, and kept
an hour: names change rarely, and a stale one still points at the right person. A failed look-up
answers None, and the text shows the token's own label or the id instead; nothing is refused.
"""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.logs import get_logger

log = get_logger(__name__)
NAME_TTL = 3600.0


class UserNames:
    def __init__(self, client: WebClient, ttl_seconds: float = NAME_TTL) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self._names: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def __call__(self, user_id: str) -> str | None:
        with self._lock:
            cached = self._names.get(user_id)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            log.info("people.name_lookup_failed", user=user_id, error=exc.response.get("error"))
            return None
        except Exception as exc:  # no connection: show the id this time, ask again next time
            log.info("people.name_lookup_failed", user=user_id, error=type(exc).__name__)
            return None
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("name")
        with self._lock:
            self._names[user_id] = (time.monotonic(), name or None)
        return name or None
