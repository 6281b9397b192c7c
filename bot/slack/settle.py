"""Settling an ambiguous post: was the message made, although its answer never came?

A `chat.postMessage` that timed out, lost its connection or met a 5xx may have been stored by
Slack all the same. Every post the outbox makes carries its row in the message's `metadata`
(`event_type` OUTBOX_EVENT, `event_payload` the row's id and when it was written), and before
posting such a row again the sender reads the conversation (`conversations.history`, or
`.replies` in a thread, with `include_all_metadata`, as Slack returns metadata only then) for a
message carrying the same row: found, the row is delivered as that message; not found, it is
posted again. A post called but never answered on record (the process died, or the database
went away, between the call and the record: its mark in `outbox_calls` was left behind) is
looked up too.

What cannot be looked up is sent again: an ephemeral is in no history, so a person may rarely
see one answer twice (better than none). `chat.update`, `views.publish` and `views.update`
replace what is there, so sending them again changes nothing. `views.open` is not an outbox
call: its trigger id opens one modal, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

OUTBOX_EVENT = "mopsbot_outbox"
# Pages of newest messages read before deciding the post was not made (200 a page): a retry
# comes within minutes, and a channel rarely gets a thousand messages in between.
PAGES = 5
# The conversation cannot be read (a scope not granted, the bot not in it): post again.
UNREADABLE = {"missing_scope", "channel_not_found", "not_in_channel", "thread_not_found"}


def marker(row_id: int, written: datetime) -> dict[str, Any]:
    """What identifies one outbox row's message (the id alone could repeat across databases)."""
    return {"outbox_id": row_id, "written": written.isoformat(timespec="microseconds")}


def tagged(payload: dict[str, Any], row_id: int, written: datetime) -> dict[str, Any]:
    """`payload` with the row in its metadata, unless the caller set metadata of its own."""
    if "metadata" in payload:
        return payload
    return {
        **payload,
        "metadata": {"event_type": OUTBOX_EVENT, "event_payload": marker(row_id, written)},
    }


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


class CannotLookUp(Exception):
    """The conversation could not be read for good (the message says why): post again."""


def find_post(client: WebClient, payload: dict[str, Any]) -> Posted | None:
    """The message `payload` (tagged) made, if Slack has it. Raises CannotLookUp when the
    conversation cannot be read, and slack_sdk's errors when the reading itself failed for now
    (the caller tries again later, without posting)."""
    wanted = (payload.get("metadata") or {}).get("event_payload")
    if not wanted:
        raise CannotLookUp("no outbox metadata on the post")
    try:
        channel = _conversation(client, str(payload["channel"]))
        cursor = None
        for _ in range(PAGES):
            page = _read(client, channel, payload.get("thread_ts"), cursor)
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                if (
                    metadata.get("event_type") == OUTBOX_EVENT
                    and metadata.get("event_payload") == wanted
                ):
                    return Posted(channel, message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if error in UNREADABLE:
            raise CannotLookUp(str(error)) from exc
        raise
    return None


def _conversation(client: WebClient, channel: str) -> str:
    """A user id names that person's DM, which is read by its own id."""
    if channel[:1] in ("U", "W"):
        opened = client.conversations_open(users=channel)
        return str(opened["channel"]["id"])
    return channel


def _read(client: WebClient, channel: str, thread_ts: Any, cursor: str | None) -> Any:
    options: dict[str, Any] = {"channel": channel, "include_all_metadata": True, "limit": 200}
    if cursor:
        options["cursor"] = cursor
    if thread_ts:
        return client.conversations_replies(ts=str(thread_ts), **options)
    return client.conversations_history(**options)
