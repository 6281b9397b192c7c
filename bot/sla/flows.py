"""Snoozing a brief's reminders from the buttons in a reminder DM."""

from __future__ import annotations

from datetime import datetime

from bot.briefs import service as briefs
from bot.briefs.models import Brief
from bot.briefs.service import Actor
from bot.briefs.workflow import Action, BriefState
from bot.sla import reminders
from bot.slack import replies
from bot.slack.deliveries import claim_delivery
from bot.slack.replies import Reply
from bot.storage.database import Database
from policies.schema import Policy

# The snooze options of `policies.sla.snooze_until`, as the confirmation says them.
SNOOZE_WORDS = {"1h": "an hour", "1bd": "a business day"}


def snooze(
    db: Database,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    option: str,
    now: datetime,
    delivery_key: str | None,
    reply: Reply,
) -> datetime | None:
    """Push the brief's pending reminders back and tell the person until when; None when the
    brief waits on nobody, the clicker is not one it waits on (the button's value names the
    brief, so a forged one could name any), or the click was already handled."""
    with db.transaction() as session:
        if not claim_delivery(session, delivery_key, "action"):
            return None
        brief = session.get(Brief, brief_id)
        # Anyone who may decide an open stage (themselves or standing in): the people reminded.
        if (
            brief is not None
            and brief.state == BriefState.IN_REVIEW
            and briefs.decider(session, policy, brief, actor, Action.REQUEST_CHANGES) is None
        ):
            replies.ephemeral(
                session,
                reply,
                f"Only the people brief #{brief_id} waits on can snooze its reminders; "
                "nothing was snoozed.",
            )
            return None
        until = reminders.snooze(session, policy, brief_id=brief_id, option=option, now=now)
        text = (
            f"Snoozed for {SNOOZE_WORDS[option]}: the next reminder about brief #{brief_id} "
            f"comes after <!date^{int(until.timestamp())}^{{date_short_pretty}} {{time}}|"
            f"{until:%Y-%m-%d %H:%M} UTC>."
            if until
            else f"Brief #{brief_id} no longer waits on anyone; nothing to snooze."
        )
        replies.ephemeral(session, reply, text)
    return until
