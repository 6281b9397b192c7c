"""Units of work for channel variants: the drafting form, drafting after the ack (a task: the
encoder takes a moment), the edit form and the accept click."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs.lock import hold
from bot.briefs.models import Brief
from bot.briefs.service import Actor
from bot.pipeline.checklists.messages import refresh_checklist
from bot.pipeline.readiness_models import Variant
from bot.pipeline.variants import forms, messages, service
from bot.pipeline.variants.drafting import Draft, Embed, draft_all
from bot.slack import replies
from bot.slack.deliveries import claim_delivery
from bot.slack.replies import Reply
from bot.slack.text import UserName
from bot.storage.database import Database
from bot.tasks.service import enqueue_task
from policies.schema import Policy

DRAFT_TASK = "variants_draft"


def master_form(
    db: Database, policy: Policy, *, brief_id: int, actor: Actor, channel_id: str | None
) -> dict | str:
    """The master copy modal, or why not (answered at once, before any form)."""
    with db.read() as session:
        refusal = service.draft_refusal(session, policy, brief_id, actor)
        brief = session.get(Brief, brief_id)
        if refusal is not None or brief is None:
            return refusal or f"There is no brief #{brief_id}."
        return forms.master_form(policy, brief, service.channels_of(policy, brief), channel_id)


def request_drafts(
    db: Database,
    policy: Policy,
    *,
    submitted: forms.Submitted,
    actor: Actor,
    delivery_key: str | None,
    now: datetime,
) -> dict[str, str] | None:
    """The master copy submitted: inline errors, or a drafting task committed before the ack."""
    master = submitted.text.strip()
    if len(master.split()) < 3:
        return {forms.MASTER: "Write the master copy: a few sentences to draft from."}
    with db.transaction() as session:
        refusal = service.draft_refusal(session, policy, submitted.row_id, actor)
        if refusal is not None:
            return {forms.MASTER: refusal}
        if not claim_delivery(session, delivery_key, "view"):
            return None
        brief = session.get(Brief, submitted.row_id)
        assert brief is not None
        channels = service.channels_of(policy, brief)
        enqueue_task(
            session,
            DRAFT_TASK,
            {"brief_id": brief.id, "master": master, "channels": channels, "user": actor.user_id},
            now=now,
        )
        replies.ephemeral(
            session,
            Reply(submitted.channel_id, actor.user_id),
            f"Drafting {len(channels)} variant{'s' if len(channels) > 1 else ''} of brief "
            f"#{brief.id}; they will be in its thread in a moment.",
        )
    return None


def draft(policy: Policy, payload: dict[str, Any], embed: Embed) -> list[Draft]:
    """The drafts (outside any transaction: the encoder runs here)."""
    known = [name for name in payload["channels"] if name in policy.variants.channels]
    return draft_all(payload["master"], policy.variants.channels, known, embed)


def take_drafts(
    session: Session, policy: Policy, payload: dict[str, Any], drafts: list[Draft], now: datetime
) -> None:
    hold(session, int(payload["brief_id"]))  # before anything is written: see bot.briefs.lock
    brief = session.get(Brief, int(payload["brief_id"]))
    if brief is None:
        return
    for variant in service.store_drafts(session, policy, brief, drafts, payload["user"], now):
        messages.post_variant(session, policy, brief, variant)
    refresh_checklist(session, policy, brief)


def edit_form(
    db: Database,
    policy: Policy,
    *,
    variant_id: int,
    actor: Actor,
    reply: Reply,
    delivery_key: str | None,
) -> dict | None:
    with db.read() as session:
        refusal = service.accept_refusal(session, policy, variant_id, actor)
        variant = session.get(Variant, variant_id)
        if refusal is None and variant is not None:
            return forms.edit_form(policy, variant, reply.channel)
    replies.tell(db, reply, refusal or "", delivery_key=delivery_key)
    return None


def accept(
    db: Database,
    policy: Policy,
    *,
    submitted: forms.Submitted,
    actor: Actor,
    delivery_key: str | None,
    now: datetime,
    user_name: UserName | None = None,
) -> dict[str, str] | None:
    """The edited text accepted (the thread message updated, the checklist redrawn), or the
    inline error that says what to change (naming people by `user_name`, e.g. from Slack)."""
    with db.transaction() as session:
        # The variant's brief held before the variant is read (bot.briefs.lock): its thread.
        brief_id = session.scalar(select(Variant.brief_id).where(Variant.id == submitted.row_id))
        if brief_id is not None:
            hold(session, brief_id)
        result = service.accept(session, policy, submitted.row_id, actor, submitted.text, now)
        if not isinstance(result, service.Refused) and claim_delivery(
            session, delivery_key, "view"
        ):
            variant = session.get(Variant, submitted.row_id)
            brief = session.get(Brief, variant.brief_id) if variant is not None else None
            if result.ok and variant is not None and brief is not None:
                messages.refresh_variant(session, policy, brief, variant)
                refresh_checklist(session, policy, brief)
            replies.ephemeral(session, Reply(submitted.channel_id, actor.user_id), result.message)
    if isinstance(result, service.Refused):
        return {forms.TEXT: result.words(user_name)}  # the brief no longer held
    return None
