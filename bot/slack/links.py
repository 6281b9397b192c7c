"""Links into the workspace, such as a brief's thread for an escalation: Slack's archive links
(https://TEAM.slack.com/archives/CHANNEL/pTS), the form chat.getPermalink answers with, built
from the workspace URL that auth.test gives once rather than one chat.getPermalink per message.
"""

from __future__ import annotations

import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.core.logs import get_logger
from bot.slack.models import SlackMessage

log = get_logger(__name__)
# Slack sends a signed-in person on from here to their own workspace.
FALLBACK_URL = "https://slack.com/"


class WorkspaceLinks:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._url: str | None = None
        self._lock = threading.Lock()

    def workspace_url(self) -> str:
        """The workspace's URL ("https://mops.slack.com/"), asked once; a failed ask is asked
        again next time, and meanwhile links go through slack.com."""
        with self._lock:
            if self._url is None:
                try:
                    url = self.client.auth_test().get("url")
                except SlackApiError as exc:
                    log.warning("links.auth_test_failed", error=exc.response.get("error"))
                    return FALLBACK_URL
                except Exception as exc:  # connection refused, timeout
                    log.warning("links.auth_test_failed", error=type(exc).__name__)
                    return FALLBACK_URL
                self._url = str(url or FALLBACK_URL).rstrip("/") + "/"
            return self._url

    def message(self, channel: str, ts: str) -> str:
        return f"{self.workspace_url()}archives/{channel}/p{ts.replace('.', '')}"

    def posted(self, session: Session, message_key: str) -> str | None:
        """The link to a message the outbox posted under `message_key`; None until it is."""
        row = session.get(SlackMessage, message_key)
        return self.message(row.channel, row.ts) if row is not None else None
