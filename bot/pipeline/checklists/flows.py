"""Units of work for the checklist's buttons: each opens its transaction, for handlers."""

from __future__ import annotations

from datetime import datetime

from bot.briefs import messages as brief_messages
from bot.briefs.lock import hold
from bot.briefs.models import Brief
from bot.briefs.service import Actor, Outcome
from bot.pipeline.checklists import service
from bot.pipeline.checklists.messages import refresh_checklist
from bot.slack import blocks, replies
from bot.slack.actions import ChecklistRef
from bot.slack.replies import Reply
from bot.storage.database import Database
from policies.schema import Policy


def tick(
    db: Database,
    policy: Policy,
    *,
    ref: ChecklistRef,
    actor: Actor,
    now: datetime,
    delivery_key: str | None,
    reply: Reply,
) -> Outcome:
    """The owner ticks an item: the thread says so and the checklist is redrawn; the clicker
    is told why not otherwise."""
    with db.transaction() as session:
        hold(session, ref.brief_id)  # before anything is read or written: see bot.briefs.lock
        outcome = service.tick(
            session,
            policy,
            brief_id=ref.brief_id,
            round_=ref.round,
            stage=ref.stage,
            item_id=ref.item,
            actor=actor,
            now=now,
            delivery_key=delivery_key,
        )
        if outcome.duplicate:
            return outcome
        brief = session.get(Brief, ref.brief_id)
        if outcome.ok and brief is not None:
            checklists = service.checklists_for(policy)
            item = checklists.item(ref.stage, ref.item) if checklists is not None else None
            label = item.label if item is not None else ref.item
            brief_messages.reply(
                session,
                brief,
                f"{blocks.user(actor.user_id)} ticked *{blocks.escape(label)}* "
                f"({service.stage_words(policy, ref.stage)}).",
            )
            refresh_checklist(session, policy, brief)
        else:
            replies.ephemeral(session, reply, outcome.message)
    return outcome
