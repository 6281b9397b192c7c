"""An attached draft or link in the brief's thread: its tags and what is missing, with what to
fix, and a Fix details button."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.briefs import messages as brief_messages
from bot.briefs.models import Brief
from bot.core.words import listed
from bot.pipeline.asset_checks import Problem
from bot.pipeline.readiness_models import Asset
from bot.slack import blocks
from bot.slack.actions import ActionId, RowRef
from policies.schema import Policy


def tag_words(policy: Policy, asset: Asset) -> str:
    tags = asset.tags or {}
    channel = tags.get("channel")
    named = policy.variants.channels.get(str(channel)) if channel else None
    parts = [named.label if named else (str(channel) if channel else "no channel")]
    parts += [str(tags.get("format") or ""), str(tags.get("campaign") or "")]
    return ", ".join(blocks.escape(part) for part in parts if part)


def report(
    session: Session,
    policy: Policy,
    brief: Brief,
    asset: Asset,
    problems: list[Problem],
    *,
    actor_id: str,
    again: bool = False,
) -> None:
    """The check's result in the thread: all set, or each missing item with what to fix."""
    name = f"*{blocks.escape(asset.name)}*"
    what = "checked again" if again else f"attached to brief #{brief.id}"
    tagged = f" (tagged {tag_words(policy, asset)})"
    if not problems:
        text = f"{blocks.user(actor_id)}: {name} is {what}{tagged}. Nothing is missing."
    else:
        count = f"{len(problems)} thing{'s' if len(problems) > 1 else ''} to fix"
        lines = "\n".join(f"• {blocks.escape(p.words)}" for p in problems)
        text = f"{blocks.user(actor_id)}: {name} is {what}{tagged}. {count}:\n{lines}"
    button = blocks.button("Fix details", ActionId.ASSET_FIX, RowRef(asset.id).format())
    brief_messages.reply(session, brief, text, extra_blocks=[blocks.actions([button]).to_dict()])


def detached(
    session: Session, brief: Brief, names: list[str], *, file_deleted: bool = False
) -> None:
    """In the thread: what came off the brief because the message that shared it, or the file
    itself, was deleted."""
    named = listed([f"*{blocks.escape(name)}*" for name in names])
    one = len(names) == 1
    why = (
        ("the file was" if one else "the files were")
        if file_deleted
        else f"the message that shared {'it' if one else 'them'} was"
    )
    brief_messages.reply(
        session,
        brief,
        f"{named} {'is' if one else 'are'} no longer attached to brief #{brief.id}: {why} deleted.",
    )
