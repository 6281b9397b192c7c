"""The pipeline's copies of what people typed: a task's Blocked reason (on the task, and as the
reason of its `task_blocked` audit event), an asset's file name, link, caption and alt text (and
the name in its audit events), and a channel variant's text.

The facts stay: the task and its status, who blocked it and when; the asset row (who attached
what kind of thing to which brief, when, its tags and size); the variant row (channel, who
accepted it, when). The audit events stay too, without the words.

Each function works in the caller's transaction and returns what it changed, counted, and the
words it removed (so that the copies elsewhere, the sent messages, can be found).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, SQLColumnExpression, select
from sqlalchemy.orm import Session

from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.briefs.workflow import BriefState
from bot.pipeline.models import PipelineTask, WorkStatus
from bot.pipeline.readiness_models import Asset, Variant
from bot.pipeline.variants.service import DRAFTED

# What an asset's name becomes (never empty: the brief's history and checklists name assets).
REMOVED_NAME = "(removed)"
BLOCKED = "task_blocked"
ASSET_EVENTS = ("asset_attached", "asset_details")
# A brief no one works on any more: its drafts, links and variants are no longer needed to
# launch it. Until then they are the work (the launch checks read them), whatever their age.
CLOSED = (BriefState.LIVE, BriefState.REJECTED, BriefState.CANCELLED)


@dataclass
class Removed:
    blocked_reasons: int = 0
    assets: int = 0
    variants: int = 0
    words: list[str] = field(default_factory=list)  # what went, to find its copies


def _closed(brief_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    return brief_id.in_(select(Brief.id).where(Brief.state.in_(CLOSED)))


def _has_words(column: SQLColumnExpression[str | None]) -> ColumnElement[bool]:
    return column.is_not(None) & (column != "")


# -- Blocked reasons --------------------------------------------------------------------------


def _blank_reasons(session: Session, events: list[AuditEvent], removed: Removed) -> None:
    """The audit events lose their words; a task still blocked for the same words loses them
    too (it stays blocked: the fact that it is, and who said so, is the work)."""
    for event in events:
        task_id = (event.detail or {}).get("task_id")
        task = session.get(PipelineTask, task_id) if isinstance(task_id, int) else None
        if task is not None and task.blocked_reason == event.reason:
            task.blocked_reason = None
        removed.words.append(event.reason or "")
        event.reason = None
        removed.blocked_reasons += 1


def purge_blocked_reasons(session: Session, cutoff: datetime, removed: Removed) -> None:
    """Reasons given before `cutoff`, unless the task is still blocked for them: a blocked task's
    reason says what holds up the launch, and it goes when the task moves on."""
    still_blocked = set(
        session.scalars(select(PipelineTask.id).where(PipelineTask.status == WorkStatus.BLOCKED))
    )
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == BLOCKED, AuditEvent.at < cutoff, _has_words(AuditEvent.reason)
        )
    ).all()
    _blank_reasons(
        session,
        [e for e in events if (e.detail or {}).get("task_id") not in still_blocked],
        removed,
    )
    # A task cancelled or done while blocked keeps the words only on its row.
    for task in session.scalars(
        select(PipelineTask).where(
            PipelineTask.status != WorkStatus.BLOCKED,
            PipelineTask.updated_at < cutoff,
            _has_words(PipelineTask.blocked_reason),
        )
    ):
        removed.words.append(task.blocked_reason or "")
        task.blocked_reason = None


def _their_reasons(user_id: str) -> ColumnElement[bool]:
    return (
        (AuditEvent.action == BLOCKED)
        & (AuditEvent.actor_id == user_id)
        & _has_words(AuditEvent.reason)
    )


def forget_blocked_reasons(session: Session, user_id: str, removed: Removed) -> None:
    events = session.scalars(select(AuditEvent).where(_their_reasons(user_id))).all()
    _blank_reasons(session, list(events), removed)


# -- assets -----------------------------------------------------------------------------------


def _blank_asset(session: Session, asset: Asset, removed: Removed) -> None:
    removed.words += [w for w in (asset.name, asset.url, asset.caption, asset.alt_text) if w]
    for event in session.scalars(
        select(AuditEvent).where(
            AuditEvent.brief_id == asset.brief_id, AuditEvent.action.in_(ASSET_EVENTS)
        )
    ):
        if (event.detail or {}).get("name") == asset.name:
            event.detail = {**(event.detail or {}), "name": REMOVED_NAME}  # a new dict: saved
    asset.name = REMOVED_NAME
    asset.url = asset.caption = asset.alt_text = None
    if asset.kind == "link":
        asset.ref = f"removed:{asset.id}"  # the link itself; unique per brief like a link
    removed.assets += 1


def purge_assets(session: Session, cutoff: datetime, removed: Removed) -> None:
    for asset in session.scalars(
        select(Asset).where(
            _closed(Asset.brief_id), Asset.updated_at < cutoff, Asset.name != REMOVED_NAME
        )
    ):
        _blank_asset(session, asset, removed)


def forget_assets(session: Session, user_id: str, removed: Removed) -> None:
    """What they attached loses its name, link, caption and alt text; alt text they wrote on
    someone else's asset goes too."""
    for asset in _their_assets(session, user_id):
        if asset.posted_by == user_id:
            _blank_asset(session, asset, removed)
        else:
            removed.words.append(asset.alt_text or "")
            asset.alt_text = None
            removed.assets += 1


def _their_assets(session: Session, user_id: str) -> list[Asset]:
    """Assets they attached (not yet removed), and others' whose alt text they wrote (who set
    an asset's details is kept in its tags, a JSON value: compared here, in Python)."""
    maybe = (Asset.posted_by == user_id) | Asset.alt_text.is_not(None)
    return [
        asset
        for asset in session.scalars(select(Asset).where(maybe).order_by(Asset.id))
        if (asset.posted_by == user_id and asset.name != REMOVED_NAME)
        or (asset.tags.get("set_by") == user_id and asset.alt_text)
    ]


# -- channel variants --------------------------------------------------------------------------


def purge_variants(session: Session, cutoff: datetime, removed: Removed) -> None:
    for variant in session.scalars(
        select(Variant).where(
            _closed(Variant.brief_id),
            Variant.updated_at < cutoff,
            (Variant.text != "") | (Variant.drafted_text != ""),
        )
    ):
        removed.words += [variant.text, variant.drafted_text]
        variant.text = variant.drafted_text = ""
        removed.variants += 1


def _their_edits(user_id: str) -> ColumnElement[bool]:
    return (Variant.accepted_by == user_id) & (Variant.text != Variant.drafted_text)


def forget_variant_edits(session: Session, user_id: str, removed: Removed) -> None:
    """A variant they edited goes back to the bot's draft (made from the brief, which is the
    team's record). On a brief not yet live nobody has accepted the draft's words, so it waits
    to be accepted again: the launch never sends words no one accepted."""
    open_briefs = select(Brief.id).where(Brief.state.not_in(CLOSED))
    open_ids = set(session.scalars(open_briefs))
    for variant in session.scalars(select(Variant).where(_their_edits(user_id))):
        removed.words.append(variant.text)
        variant.text = variant.drafted_text
        if variant.brief_id in open_ids:
            variant.status = DRAFTED
            variant.accepted_by = variant.accepted_at = None
        removed.variants += 1


# -- what `/mops forget` would remove, counted without changing anything ---------------------


def held(session: Session, user_id: str) -> Removed:
    """What the forget_* functions would remove, and the words."""
    reasons = session.scalars(select(AuditEvent.reason).where(_their_reasons(user_id))).all()
    assets = _their_assets(session, user_id)
    edits = session.scalars(select(Variant.text).where(_their_edits(user_id))).all()
    words = [r or "" for r in reasons] + list(edits)
    for asset in assets:
        words += (
            [w for w in (asset.name, asset.url, asset.caption, asset.alt_text) if w]
            if asset.posted_by == user_id
            else [asset.alt_text or ""]
        )
    return Removed(len(reasons), len(assets), len(edits), words)
