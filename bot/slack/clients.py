"""The two Web API clients: one for calls made at once, one for the outbox sender.

Calls made at once (`views.open` in a listener, the directory's reads) retry a dropped
connection and a 500/503 once, after a short backoff, inside slack_sdk's own retry handlers:
a trigger id lives three seconds, so one quick retry can still open the modal.
Neither client sleeps through a 429 in place: the directory keeps its last good answer and
waits out Retry-After itself, and the sender pauses only the rate-limited lane (method, or
method and channel) while other lanes go on; a retry handler would block the whole sender
thread, or a listener, for as long as Slack says.
The sender's client has no retry handlers at all: the outbox decides when to try a row again
(with backoff, persisted across restarts), so no message is posted twice by a retry it does not
know about.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)

TIMEOUT_SECONDS = 15


def direct_client(token: str | None, base_url: str, timeout: float = TIMEOUT_SECONDS) -> WebClient:
    return WebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[ConnectionErrorRetryHandler(), ServerErrorRetryHandler()],
        # slack_sdk annotates it int, but hands it to urllib, which takes fractions of seconds
        timeout=timeout,  # type: ignore[arg-type]
    )


def outbox_client(token: str | None, base_url: str, timeout: float = TIMEOUT_SECONDS) -> WebClient:
    # timeout: slack_sdk annotates it int, but hands it to urllib, which takes fractions too
    return WebClient(token=token, base_url=base_url, retry_handlers=[], timeout=timeout)  # type: ignore[arg-type]
