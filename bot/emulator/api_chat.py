"""chat.* methods: post, update, ephemeral, delete, permalink."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.emulator.api import ApiCall, Method, SlackError
from bot.emulator.records import Message


def _bot_message(
    call: ApiCall, channel: str, text: str | None, blocks: list[dict[str, Any]] | None, **extra: Any
) -> Message:
    bot = call.workspace.seed.bot
    return Message(
        channel=channel,
        ts=call.workspace.next_ts(),
        user=bot.id,
        bot_id=bot.bot_id,
        text=text or "",
        blocks=blocks or [],
        **extra,
    )


def message_metadata(call: ApiCall) -> dict[str, Any] | None:
    """`metadata` as Slack takes it: an object with a string `event_type` and an object
    `event_payload` (docs.slack.dev, "Message metadata"); anything else is refused."""
    metadata = call.args.json("metadata")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not metadata["event_type"]
        or not isinstance(metadata.get("event_payload"), dict)
        or set(metadata) - {"event_type", "event_payload"}
    ):
        raise SlackError("invalid_metadata_format")
    return metadata


def post_message(call: ApiCall) -> dict[str, Any]:
    channel = call.postable_channel()
    text, blocks = call.content()
    metadata = message_metadata(call)
    message = _bot_message(
        call,
        channel.id,
        text,
        blocks,
        thread_ts=call.thread_root(channel.id),
        attachments=call.args.json("attachments") or [],
        metadata=metadata,
        unfurl_links=call.args.flag("unfurl_links"),
    )
    stored = call.workspace.add_message(message)
    return {"channel": channel.id, "ts": stored.ts, "message": stored.as_slack(call.team_id)}


def update(call: ApiCall) -> dict[str, Any]:
    # chat.update documents no not_in_channel: the bot's own message in a public channel it
    # left can still be edited; a private one it left is gone for it.
    channel = call.visible_channel()
    if call.workspace.is_archived(channel):
        raise SlackError("is_archived")  # an archived channel's messages are frozen too
    original = call.own_message(channel.id, call.args.text("ts"), "update")
    text, blocks = call.content(required=False)
    if text is None and blocks is None and call.args.json("attachments") is None:
        raise SlackError("no_text")
    # As Slack does: fields the call leaves out keep their old values; [] clears the blocks.
    changed = dataclasses.replace(
        original,
        text=text if text is not None else original.text,
        blocks=blocks if blocks is not None else original.blocks,
        attachments=call.args.json("attachments") or original.attachments,
        metadata=message_metadata(call) or original.metadata,
        edited=True,
    )
    stored = call.workspace.replace_message(changed)
    return {
        "channel": channel.id,
        "ts": stored.ts,
        "text": stored.text,
        "message": stored.as_slack(call.team_id),
    }


def post_ephemeral(call: ApiCall) -> dict[str, Any]:
    channel = call.postable_channel()
    user = call.user_id()
    if not call.workspace.is_member(channel, user):
        raise SlackError("user_not_in_channel")
    text, blocks = call.content()
    message = _bot_message(
        call, channel.id, text, blocks, ephemeral_to=user, thread_ts=call.args.text("thread_ts")
    )
    stored = call.workspace.add_message(message)
    return {"message_ts": stored.ts}


def delete(call: ApiCall) -> dict[str, Any]:
    channel = call.visible_channel()
    ts = call.args.text("ts")
    call.own_message(channel.id, ts, "delete")
    call.workspace.delete_message(channel.id, ts or "")
    return {"channel": channel.id, "ts": ts}


def permalink(call: ApiCall) -> dict[str, Any]:
    channel = call.channel()
    ts = call.args.text("message_ts") or ""
    if call.workspace.message(channel.id, ts) is None:
        raise SlackError("message_not_found")
    domain = call.workspace.seed.team.domain
    return {
        "channel": channel.id,
        "permalink": f"https://{domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}",
    }


METHODS: dict[str, Method] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.postEphemeral": post_ephemeral,
    "chat.delete": delete,
    "chat.getPermalink": permalink,
}
