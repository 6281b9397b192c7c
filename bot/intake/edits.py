"""A request edited in Slack: the bot keeps its words as they now are, and one still waiting for
a person to say what kind it is gets sorted again on the new words.

Only its author can edit a message in Slack. A request already routed (or answered) keeps its
route: people are working on it, and the thread says what happened since. Slack also sends
`message_changed` when a link in the message unfurls; the words are the same, so nothing happens.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.intake import messages
from bot.intake.models import IntakeRequest, IntakeStatus
from bot.intake.service import classify_later, drop_classify_task, lock_posted, record_event
from bot.slack.blocks import fit
from policies.schema import Policy


def edited_text(event: dict, intake_channels: set[str]) -> tuple[str, str] | None:
    """(ts, new words) of a person's message edited in an intake channel, else None."""
    if event.get("subtype") != "message_changed" or event.get("channel") not in intake_channels:
        return None
    changed = event.get("message") or {}
    if changed.get("subtype") or changed.get("bot_id") or not changed.get("user"):
        return None  # a tombstone (bot.intake.withdrawal), or a bot's own message
    text = changed.get("text") or ""
    before = (event.get("previous_message") or {}).get("text")
    if not text.strip() or text == before or not changed.get("ts"):
        return None
    return str(changed["ts"]), text


def apply_edit(
    session: Session, policy: Policy, *, channel_id: str, ts: str, text: str, now: datetime
) -> IntakeRequest | None:
    """Keep the request's new words; sort it again when a person has not named its kind yet.
    None when no open request was posted there."""
    request = lock_posted(session, channel_id, ts)
    if request is None or request.withdrawn_at is not None or request.text == "":
        return None  # unknown, deleted, or its words removed (/mops forget): keep none
    request.text = fit(text, 4000)  # as Slack sent it, as at receive
    again = request.status in (IntakeStatus.RECEIVED, IntakeStatus.AWAITING_CONFIRMATION)
    record_event(
        session, policy, request, "intake_edited", actor_id=request.user_id, now=now, again=again
    )
    if request.status == IntakeStatus.AWAITING_CONFIRMATION:
        messages.retire_current(
            session,
            request,
            f"<@{request.user_id}> edited the request, so I'm sorting it again (below).",
        )
        request.status = IntakeStatus.RECEIVED
    if again:
        drop_classify_task(session, request.id)  # one not run yet would judge the old words
        classify_later(session, request, now)
    return request
