"""The outbox: Slack calls written with their cause, in the cause's own transaction.

Services call `enqueue(...)` inside their transaction; bot.slack.sender delivers the rows. Rows
that share an ordering key go strictly in id order, so a thread reads in the order things
happened. A payload can point at a message posted earlier through its key:
`{"$channel_of": key}` / `{"$ts_of": key}` are filled in from `slack_messages` at send time.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.slack.lanes import lane_of
from bot.slack.models import OutboxMessage, OutboxStatus, Priority, SlackMessage
from bot.storage.database import signal_after_commit

# Not one Web API method but the three calls of `WebClient.files_upload_v2`; the sender makes
# them together, and a failure in any of them is retried like any other call.
FILE_UPLOAD = "files.upload_v2"


# What answers a person at once, unless the caller says otherwise: an ephemeral, the update of
# the message they clicked, their home tab or modal.
INTERACTIVE_METHODS = {"chat.postEphemeral", "chat.update", "views.publish", "views.update"}


def enqueue(
    session: Session,
    method: str,
    payload: dict[str, Any],
    *,
    ordering_key: str | None = None,
    message_key: str | None = None,
    priority: Priority | None = None,
) -> OutboxMessage:
    """Write one Slack call to make once this transaction commits. `priority`: BULK for
    fan-out (reminders, digests); by default interactive methods go first, the rest after."""
    if priority is None:
        priority = Priority.INTERACTIVE if method in INTERACTIVE_METHODS else Priority.NORMAL
    row = OutboxMessage(
        method=method,
        payload=payload,
        ordering_key=ordering_key,
        message_key=message_key,
        status=OutboxStatus.PENDING,
        priority=priority,
        lane=lane_of(method, _channel(session, payload.get("channel"))),
        attempts=0,
        not_before=None,
    )
    session.add(row)
    signal_after_commit(session, "outbox")
    return row


def enqueue_file(
    session: Session,
    *,
    channel: str,
    filename: str,
    content: bytes,
    title: str,
    initial_comment: str,
    ordering_key: str | None = None,
    priority: Priority | None = None,
    thread_ts: str | dict[str, str] | None = None,
) -> OutboxMessage:
    """Share a file into a channel (or a thread: `thread_ts`, which may be a `ts_of` reference)
    once this transaction commits. The bytes travel in the row (base64 in the JSON payload), so
    a retry after a restart still has them."""
    payload: dict[str, Any] = {
        "channel": channel,
        "filename": filename,
        "title": title,
        "initial_comment": initial_comment,
        "content_base64": base64.b64encode(content).decode("ascii"),
    }
    if thread_ts is not None:
        payload["thread_ts"] = thread_ts
    return enqueue(session, FILE_UPLOAD, payload, ordering_key=ordering_key, priority=priority)


def _channel(session: Session, value: Any) -> Any:
    """The channel a payload names, a reference followed where it can be already: to a posted
    message, or to the row that will post it (in this transaction or pending)."""
    ref = _reference(value)
    if ref is None:
        return value
    posted = session.get(SlackMessage, ref[1])
    if posted is not None:
        return posted.channel
    pending = [
        row for row in session.new if isinstance(row, OutboxMessage) and row.message_key == ref[1]
    ] or session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.message_key == ref[1], OutboxMessage.status == OutboxStatus.PENDING
        )
    ).all()
    return pending[0].payload.get("channel") if pending else f"ref:{ref[1]}"


def is_queued_or_posted(session: Session, key: str) -> bool:
    """Whether the message kept under `key` was posted or waits in the outbox. An update of a
    message not queued yet would have nothing to update when its turn came (the row would fail);
    the post, when it is written, shows things as they are then."""
    if session.get(SlackMessage, key) is not None:
        return True
    queued = select(OutboxMessage.id).where(OutboxMessage.message_key == key).limit(1)
    return session.scalar(queued) is not None


def channel_of(key: str) -> dict[str, str]:
    return {"$channel_of": key}


def ts_of(key: str) -> dict[str, str]:
    return {"$ts_of": key}


class NotYetPosted(Exception):
    """A referenced message has not been posted yet; try the row again shortly."""


def _reference(value: Any) -> tuple[str, str] | None:
    """("$channel_of" | "$ts_of", message key) when `value` is a reference, else None."""
    if (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in ("$channel_of", "$ts_of")
    ):
        return next(iter(value.items()))
    return None


def referenced_keys(payload: dict[str, Any]) -> set[str]:
    """The keys of the messages a payload refers to."""
    return {ref[1] for ref in map(_reference, payload.values()) if ref}


def resolve_refs(session: Session, payload: dict[str, Any]) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    for name, value in payload.items():
        ref = _reference(value)
        if ref is None:
            resolved[name] = value
            continue
        message = session.get(SlackMessage, ref[1])
        if message is None:
            raise NotYetPosted(ref[1])
        resolved[name] = message.channel if ref[0] == "$channel_of" else message.ts
    return resolved


def oldest_due_age(session: Session, now: datetime) -> timedelta | None:
    """How long the longest-waiting undelivered row has been due; None when none is due.

    A row held back on purpose (a recipient's quiet hours, a Retry-After) is counted from the
    moment it became due, not from when it was written."""
    pending = OutboxMessage.status == OutboxStatus.PENDING
    never_held = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            pending, OutboxMessage.not_before.is_(None)
        )
    )
    held_until = session.scalar(
        select(func.min(OutboxMessage.not_before)).where(pending, OutboxMessage.not_before <= now)
    )
    since = [moment for moment in (never_held, held_until) if moment is not None]
    return now - min(since) if since else None
