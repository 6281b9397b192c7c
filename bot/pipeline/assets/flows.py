"""Units of work for drafts and links in a brief's thread, for handlers and the task worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs.lock import hold
from bot.briefs.models import Brief
from bot.briefs.service import Actor, Outcome
from bot.compliance.findings import judged_by
from bot.compliance.service import readable_rules
from bot.pipeline import asset_checks as checks
from bot.pipeline import events
from bot.pipeline.assets import forms, messages, service
from bot.pipeline.checklists.messages import refresh_checklist
from bot.pipeline.readiness_models import Asset
from bot.slack import replies
from bot.slack.deliveries import claim_delivery
from bot.slack.replies import Reply
from bot.slack.text import links
from bot.storage.database import Database
from bot.tasks.service import enqueue_task
from policies.schema import Policy

FILE_INFO_TASK = "asset_file_info"


def receive_files(
    db: Database,
    policy: Policy,
    *,
    channel: str,
    thread_ts: str,
    user_id: str,
    files: list[dict[str, Any]],
    caption: str,
    delivery_key: str | None,
    now: datetime,
    message_ts: str | None = None,
) -> bool:
    """Files shared in a thread: when it is a brief's, each is attached and files.info is asked
    for the rest after the ack (a task committed with the delivery's key). False: not a brief's."""
    with db.transaction() as session:
        brief = service.brief_for_thread(session, channel, thread_ts)
        if brief is None:
            return False
        if not claim_delivery(session, delivery_key, "event"):
            return True
        hold(session, brief.id)  # before anything is written: see bot.briefs.lock
        for file in files[: service.MAX_FILES]:
            asset = service.attach_file(
                session, policy, brief, file, user_id, caption, now, message_ts
            )
            if asset is not None:
                enqueue_task(
                    session,
                    FILE_INFO_TASK,
                    {"asset_id": asset.id, "file_id": asset.ref, "user_id": user_id},
                    now=now,
                )
    return True


def receive_links(
    db: Database,
    policy: Policy,
    *,
    channel: str,
    thread_ts: str,
    user_id: str,
    text: str,
    delivery_key: str | None,
    now: datetime,
    message_ts: str | None = None,
) -> bool:
    """Links posted in a brief's thread, attached and checked at once. False: not a brief's
    thread, or no link in the message (the message is someone else's business)."""
    found = links(text)
    if not found:
        return False
    with db.transaction() as session:
        brief = service.brief_for_thread(session, channel, thread_ts)
        if brief is None:
            return False
        if not claim_delivery(session, delivery_key, "event"):
            return True
        hold(session, brief.id)  # before anything is written: see bot.briefs.lock
        for url in found[: service.MAX_LINKS]:
            asset = service.attach_link(session, policy, brief, url, user_id, now, message_ts)
            if asset is not None:
                _report(session, policy, brief, asset, actor_id=user_id, now=now)
    return True


def message_deleted(
    db: Database, policy: Policy, *, channel: str, thread_ts: str, message_ts: str, now: datetime
) -> bool:
    """A message in a brief's thread was deleted in Slack: what it attached comes off the brief
    (a wrong file shared and deleted must not hold up the launch), the thread says so and the
    checklist is redrawn. False when the thread is not a brief's."""
    with db.transaction() as session:
        brief = service.brief_for_thread(session, channel, thread_ts)
        if brief is None:
            return False
        hold(session, brief.id)  # before anything is written: see bot.briefs.lock
        names = service.detach_message(session, policy, brief, message_ts, now)
        if names:
            messages.detached(session, brief, names)
            refresh_checklist(session, policy, brief)
    return True


def file_deleted(db: Database, policy: Policy, *, file_id: str, now: datetime) -> None:
    """A file was deleted in Slack: it comes off every brief it was attached to, as when the
    message that shared it is deleted (a duplicate event finds nothing left to take off)."""
    with db.transaction() as session:
        for brief_id in service.briefs_with_file(session, file_id):
            hold(session, brief_id)  # before anything is written: see bot.briefs.lock
            brief = session.get(Brief, brief_id)
            if brief is None:
                continue
            names = service.detach_file(session, policy, brief, file_id, now)
            if names:
                messages.detached(session, brief, names, file_deleted=True)
                refresh_checklist(session, policy, brief)


def take_file_info(
    session: Session,
    policy: Policy,
    payload: dict[str, Any],
    info: dict[str, Any] | str,
    now: datetime,
) -> None:
    """files.info's answer (or why there is none) applied, then the check said in the thread."""
    _hold_brief_of(session, int(payload["asset_id"]))
    asset = session.get(Asset, int(payload["asset_id"]))
    brief = session.get(Brief, asset.brief_id) if asset is not None else None
    if asset is None or brief is None:
        return
    if isinstance(info, dict):
        service.apply_file_info(session, policy, asset, info)
    actor_id = str(payload.get("user_id") or asset.posted_by)
    _report(session, policy, brief, asset, actor_id=actor_id, now=now)


def details_form(
    db: Database,
    policy: Policy,
    *,
    asset_id: int,
    actor: Actor,
    reply: Reply,
    delivery_key: str | None,
) -> dict | None:
    """The details modal, for those who may change them; anyone else is told why, first."""
    with db.read() as session:
        refusal = service.edit_refusal(session, policy, asset_id, actor)
        asset = session.get(Asset, asset_id)
        if refusal is None and asset is not None:
            return forms.details_form(policy, asset, reply.channel)
    replies.tell(db, reply, refusal.message if refusal else "", delivery_key=delivery_key)
    return None


def save_details(
    db: Database,
    policy: Policy,
    *,
    submitted: forms.Submitted,
    actor: Actor,
    delivery_key: str | None,
    now: datetime,
) -> Outcome:
    """New alt text and tags: saved, checked again in the thread, the checklist redrawn."""
    with db.transaction() as session:
        if not claim_delivery(session, delivery_key, "view"):
            return Outcome(False, "That form was already submitted.", duplicate=True)
        _hold_brief_of(session, submitted.asset_id)
        outcome = service.update_details(
            session, policy, submitted.asset_id, actor, submitted.details, now
        )
        asset = session.get(Asset, submitted.asset_id)
        brief = session.get(Brief, asset.brief_id) if asset is not None else None
        if outcome.ok and asset is not None and brief is not None:
            _report(session, policy, brief, asset, actor_id=actor.user_id, now=now, again=True)
        else:
            replies.ephemeral(session, Reply(submitted.channel_id, actor.user_id), outcome.message)
    return outcome


def _hold_brief_of(session: Session, asset_id: int) -> None:
    """The asset's brief held before the asset is read (bot.briefs.lock): its thread is written."""
    brief_id = session.scalar(select(Asset.brief_id).where(Asset.id == asset_id))
    if brief_id is not None:
        hold(session, brief_id)


def _report(
    session: Session,
    policy: Policy,
    brief: Brief,
    asset: Asset,
    *,
    actor_id: str,
    now: datetime,
    again: bool = False,
) -> None:
    rules = readable_rules(policy)
    checked = checks.check(policy, asset, rules)
    found = checked.problems
    # Every check in the trail, with what it found: how long a brief waited on an asset fix
    # (bot.pipeline.waits) is read from these. By the asset's id, not its name: the name is a
    # person's words, which /mops forget and the retention purge remove (bot.privacy), and the
    # trail's facts never change. The rules version and the model that read the caption, as the
    # brief gate records them: the same caption can read otherwise under another (events
    # recorded before they were have neither).
    events.record(
        session,
        policy,
        brief,
        actor_id,
        events.ASSET_CHECKED,
        now,
        {
            "asset": asset.id,
            "posted_by": asset.posted_by,
            "problems": sorted({problem.check for problem in found}),
            **judged_by(rules, [checked.caption]),
        },
    )
    messages.report(session, policy, brief, asset, found, actor_id=actor_id, again=again)
    refresh_checklist(session, policy, brief)
