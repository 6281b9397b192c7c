"""A request whose message was deleted in Slack: closed, and its words dropped.

Whoever deletes a request (its author, or a workspace admin) takes it back: the team should not
work on it, and the bot should not keep words that are gone from the channel. Slack says so with
a hidden `message` event: `message_deleted`, or, for a message with thread replies (every
request has the bot's), `message_changed` to a tombstone ("This message was deleted."). Slack
does not say who deleted it, so the thread and the audit trail say only that it was deleted.
An edit (`message_changed` to new words) is bot.intake.edits'.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.intake import messages
from bot.intake.models import IntakeRequest, IntakeStatus, TicketStatus
from bot.intake.service import BOT_ACTOR, drop_classify_task, lock_posted, record_event
from policies.schema import Policy


def deleted_ts(event: dict, intake_channels: set[str]) -> str | None:
    """The ts of the message an event says was deleted from an intake channel, else None."""
    if event.get("type") != "message" or event.get("channel") not in intake_channels:
        return None
    if event.get("subtype") == "message_deleted":
        return event.get("deleted_ts")
    changed = event.get("message") or {}
    if event.get("subtype") == "message_changed" and changed.get("subtype") == "tombstone":
        return changed.get("ts")
    return None


def withdraw(
    session: Session,
    policy: Policy,
    *,
    channel_id: str,
    ts: str,
    now: datetime,
) -> IntakeRequest | None:
    """Close the request posted at (channel_id, ts) and drop its words; the thread's live buttons
    go, and whoever claimed it hears. None when no request was posted there, or it was withdrawn
    already (Slack may send the deletion twice)."""
    request = lock_posted(session, channel_id, ts)
    if request is None or request.withdrawn_at is not None:
        return None
    was_open = request.status != IntakeStatus.ROUTED or request.ticket_status != TicketStatus.DONE
    offered_reply = request.reply_version is not None and request.not_helped_at is None
    request.text = ""  # as /mops forget leaves it: no words (bot.privacy)
    drop_classify_task(session, request.id)  # it carries the words too
    request.withdrawn_at = now
    record_event(
        session,
        policy,
        request,
        "intake_withdrawn",
        actor_id=BOT_ACTOR,
        now=now,
        because="its message was deleted in Slack",
        was_open=was_open,
        claimed_by=request.claimed_by,
    )
    if was_open:
        claimer = request.claimed_by if request.ticket_status == TicketStatus.CLAIMED else None
        request.status = IntakeStatus.ROUTED
        request.ticket_status = TicketStatus.DONE
        request.done_at = now
        messages.retire_current(session, request, messages.withdrawn_note(request))
        if claimer is not None:
            messages.post_progress(
                session,
                request,
                f"<@{claimer}>, the request you claimed was deleted, so it's closed: "
                "nothing more to do.",
            )
    elif offered_reply:  # the saved reply's "This didn't help" has nothing left to pass on
        messages.retire_current(session, request, messages.withdrawn_note(request))
    return request
