"""Drafts and links attached to a brief from its thread: recorded, tagged, checked.

A file shared in the thread is recorded from its message event at once; what Slack knows of it
(alt text, size) comes from files.info in a task after the ack (`apply_file_info`). A link posted
in the thread is recorded and checked at once. Tags (channel, format, campaign) are guessed from
the brief and the file; a person may change them and add alt text (`update_details`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs.models import Brief
from bot.briefs.service import Actor, Outcome
from bot.pipeline import events
from bot.pipeline.readiness_models import Asset
from bot.slack.models import SlackMessage
from policies import access
from policies.schema import Policy

MAX_FILES = 10  # per message; Slack allows 10 files in one message
MAX_LINKS = 10


def brief_for_thread(session: Session, channel: str, thread_ts: str) -> Brief | None:
    """The brief whose thread this is, if any."""
    key = session.scalar(
        select(SlackMessage.key).where(
            SlackMessage.channel == channel,
            SlackMessage.ts == thread_ts,
            SlackMessage.key.like("brief:%"),
        )
    )
    return session.get(Brief, int(key.removeprefix("brief:"))) if key else None


def assets_of(session: Session, brief_id: int) -> list[Asset]:
    return list(session.scalars(select(Asset).where(Asset.brief_id == brief_id).order_by(Asset.id)))


def format_of(mimetype: str | None, kind: str) -> str:
    if kind == "link":
        return "link"
    top, _, sub = (mimetype or "").partition("/")
    if top in ("image", "video", "audio"):
        return top
    return "pdf" if sub == "pdf" else "document"


def guess_tags(policy: Policy, brief: Brief, asset: Asset) -> dict[str, Any]:
    """Channel: the channel whose image sizes the file has, else the first the brief names;
    format from the file's type; campaign: the brief's title."""
    channel = None
    if asset.width is not None and asset.height is not None:
        size = f"{asset.width}x{asset.height}"
        channel = next(
            (name for name, sizes in policy.assets.image_sizes.items() if size in sizes), None
        )
    if channel is None:
        named = policy.variants.channels_for(brief.fields.get(policy.variants.brief_field))
        channel = named[0] if named else None
    return {
        "channel": channel,
        "format": format_of(asset.mimetype, asset.kind),
        "campaign": brief.title[:80],
    }


def attach_file(
    session: Session,
    policy: Policy,
    brief: Brief,
    file: dict[str, Any],
    user_id: str,
    caption: str,
    now: datetime,
    message_ts: str | None = None,
) -> Asset | None:
    """A shared file as the brief's asset (None when it is attached already: a redelivery)."""
    file_id = str(file.get("id") or "")
    if not file_id or _existing(session, brief.id, file_id) is not None:
        return None
    asset = Asset(
        brief_id=brief.id,
        kind="file",
        ref=file_id,
        name=str(file.get("name") or file.get("title") or "file")[:300],
        url=file.get("permalink") or None,
        mimetype=file.get("mimetype"),
        width=file.get("original_w"),
        height=file.get("original_h"),
        alt_text=file.get("alt_txt") or None,
        caption=caption or None,
        tags={},
        posted_by=user_id,
        message_ts=message_ts,
        created_at=now,
        updated_at=now,
    )
    asset.tags = guess_tags(policy, brief, asset)
    session.add(asset)
    events.record(session, policy, brief, user_id, "asset_attached", now, {"name": asset.name})
    session.flush()
    return asset


def attach_link(
    session: Session,
    policy: Policy,
    brief: Brief,
    url: str,
    user_id: str,
    now: datetime,
    message_ts: str | None = None,
) -> Asset | None:
    ref = url[:200]
    if _existing(session, brief.id, ref) is not None:
        return None
    asset = Asset(
        brief_id=brief.id,
        kind="link",
        ref=ref,
        name=re.sub(r"^https?://", "", url)[:300],
        url=url,
        tags={},
        posted_by=user_id,
        message_ts=message_ts,
        created_at=now,
        updated_at=now,
    )
    asset.tags = guess_tags(policy, brief, asset)
    session.add(asset)
    events.record(session, policy, brief, user_id, "asset_attached", now, {"name": asset.name})
    session.flush()
    return asset


def detach_message(
    session: Session, policy: Policy, brief: Brief, message_ts: str, now: datetime
) -> list[str]:
    """Take off the brief what the thread message at `message_ts` attached (it was deleted in
    Slack); the names of what went."""
    shared = select(Asset).where(Asset.brief_id == brief.id, Asset.message_ts == message_ts)
    return _detach(session, policy, brief, list(session.scalars(shared.order_by(Asset.id))), now)


def briefs_with_file(session: Session, file_id: str) -> list[int]:
    """The briefs a Slack file is attached to (one, unless it was shared in several threads)."""
    found = select(Asset.brief_id).where(Asset.kind == "file", Asset.ref == file_id)
    return sorted(set(session.scalars(found)))


def detach_file(
    session: Session, policy: Policy, brief: Brief, file_id: str, now: datetime
) -> list[str]:
    """Take the Slack file `file_id` off the brief (it was deleted in Slack); its name, if it
    was attached."""
    attached = select(Asset).where(
        Asset.brief_id == brief.id, Asset.kind == "file", Asset.ref == file_id
    )
    gone = list(session.scalars(attached))
    return _detach(session, policy, brief, gone, now, why=events.FILE_DELETED)


def _detach(
    session: Session,
    policy: Policy,
    brief: Brief,
    gone: list[Asset],
    now: datetime,
    why: str | None = None,
) -> list[str]:
    """The trail keeps each asset's id, never its name (a person's words: see bot.privacy), and
    why it went when the file itself was deleted (no `why`: the message that shared it)."""
    for asset in gone:
        detail: dict[str, object] = {"asset": asset.id} | ({"why": why} if why else {})
        events.record(session, policy, brief, asset.posted_by, events.ASSET_REMOVED, now, detail)
        session.delete(asset)
    session.flush()
    return [asset.name for asset in gone]


def apply_file_info(session: Session, policy: Policy, asset: Asset, info: dict[str, Any]) -> None:
    """What files.info says of the file: its type, size and alt text; tags guessed again
    unless a person set them."""
    asset.mimetype = info.get("mimetype") or asset.mimetype
    asset.width = info.get("original_w") or asset.width
    asset.height = info.get("original_h") or asset.height
    asset.alt_text = asset.alt_text or info.get("alt_txt") or None
    brief = session.get(Brief, asset.brief_id)
    if brief is not None and not asset.tags.get("set_by"):
        asset.tags = guess_tags(policy, brief, asset)


@dataclass(frozen=True)
class Details:
    alt_text: str | None
    channel: str | None
    format: str
    campaign: str


def may_edit(policy: Policy, brief: Brief, asset: Asset, actor: Actor) -> bool:
    """The requester, whoever attached it, and ops admins."""
    return actor.user_id in (brief.requester_id, asset.posted_by) or access.is_ops_admin(
        policy, actor.user_id, set(actor.group_ids)
    )


def edit_refusal(session: Session, policy: Policy, asset_id: int, actor: Actor) -> Outcome | None:
    asset = session.get(Asset, asset_id)
    brief = session.get(Brief, asset.brief_id) if asset is not None else None
    if asset is None or brief is None:
        return Outcome(
            False, "That file or link is no longer attached to the brief: nothing to fix."
        )
    if not may_edit(policy, brief, asset, actor):
        return Outcome(
            False,
            f"Only <@{brief.requester_id}>, <@{asset.posted_by}> or an ops admin can change "
            f"the details of {asset.name}.",
            brief.id,
        )
    return None


def update_details(
    session: Session, policy: Policy, asset_id: int, actor: Actor, details: Details, now: datetime
) -> Outcome:
    refusal = edit_refusal(session, policy, asset_id, actor)
    if refusal is not None:
        return refusal
    asset = session.get(Asset, asset_id)
    assert asset is not None
    brief = session.get(Brief, asset.brief_id)
    assert brief is not None
    asset.alt_text = (details.alt_text or "").strip() or None
    asset.tags = {
        "channel": details.channel,
        "format": details.format.strip() or format_of(asset.mimetype, asset.kind),
        "campaign": details.campaign.strip() or brief.title[:80],
        "set_by": actor.user_id,
    }
    asset.updated_at = now
    events.record(session, policy, brief, actor.user_id, "asset_details", now, {"name": asset.name})
    session.flush()
    return Outcome(True, f"The details of {asset.name} are saved.", brief.id)


def _existing(session: Session, brief_id: int, ref: str) -> Asset | None:
    return session.scalar(select(Asset).where(Asset.brief_id == brief_id, Asset.ref == ref))
