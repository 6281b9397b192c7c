"""A channel variant in the brief's thread: the bot's draft with its count and lint, an
*Edit & accept* button; once accepted, who accepted it (the message is updated in place)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.briefs.lock import hold
from bot.briefs.models import Brief
from bot.compliance.findings import claim_notes
from bot.pipeline.readiness_models import Variant
from bot.pipeline.variants.counting import measure
from bot.pipeline.variants.service import ACCEPTED, lint_variant
from bot.slack import blocks
from bot.slack.actions import ActionId, RowRef
from bot.slack.outbox import channel_of, enqueue, ts_of
from policies import access
from policies.schema import Policy


def message_key(variant: Variant) -> str:
    return f"variant:{variant.id}"


def variant_blocks(policy: Policy, variant: Variant) -> tuple[str, list[dict]]:
    channel = policy.variants.channels[variant.channel]
    size = measure(variant.text, channel)
    quoted = "\n".join(f"> {line}" for line in blocks.escape(variant.text).splitlines())
    if variant.status == ACCEPTED:
        head = (
            f"*{channel.label}* ({size.length}/{size.limit}), accepted by "
            f"{blocks.user(variant.accepted_by or '')} at "
            f"{blocks.local_time(variant.accepted_at, '{time} {date_short_pretty}')}:"
            if variant.accepted_at
            else f"*{channel.label}*, accepted:"
        )
        text = f"{head}\n{quoted}"
        return text, [blocks.section(blocks.fit(text, 3000)).to_dict()]
    notes = []
    result = lint_variant(policy, channel, variant.text)
    if result is not None:
        notes += [f"• {blocks.escape(i.message)}" for i in result.channel_issues]
        notes += [f"• {note}" for note in claim_notes(result.findings, blocks.escape)]
    if variant.needs:
        refs = [r for s in variant.needs for r in policy.compliance.gate_stages.get(s, [])]
        notes.append(
            f"• a regulated claim: {access.describe_approvers(refs, policy, mention=False)} "
            "accepts this one"
        )
    draft = f"*{channel.label}* draft ({size.length}/{size.limit} as {channel.label} counts):"
    body = f"{draft}\n{quoted}" + ("\n" + "\n".join(notes) if notes else "")
    text = body + "\nA person edits and accepts it; nothing is queued before that."
    button = blocks.button("Edit & accept", ActionId.VARIANT_EDIT, RowRef(variant.id).format())
    return text, [
        blocks.section(blocks.fit(text, 3000)).to_dict(),
        blocks.actions([button]).to_dict(),
    ]


def post_variant(session: Session, policy: Policy, brief: Brief, variant: Variant) -> None:
    text, shown = variant_blocks(policy, variant)
    hold(session, brief.id)  # the thread's writer, before its outbox row: bot.briefs.lock
    enqueue(
        session,
        "chat.postMessage",
        {
            "channel": channel_of(brief.thread_key),
            "thread_ts": ts_of(brief.thread_key),
            "text": text,
            "blocks": shown,
            "unfurl_links": False,
        },
        ordering_key=brief.thread_key,
        message_key=message_key(variant),
    )


def refresh_variant(session: Session, policy: Policy, brief: Brief, variant: Variant) -> None:
    text, shown = variant_blocks(policy, variant)
    key = message_key(variant)
    hold(session, brief.id)  # the thread's writer, before its outbox row: bot.briefs.lock
    enqueue(
        session,
        "chat.update",
        {"channel": channel_of(key), "ts": ts_of(key), "text": text, "blocks": shown},
        ordering_key=brief.thread_key,
    )
