"""Slack's `response_url`: where Bolt's `respond()` posts a follow-up to a command or a click.

By default the follow-up is an ephemeral to the person; `response_type: in_channel` posts it for
everyone; `replace_original` / `delete_original` change the message that was clicked.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from typing import Any

from bot.emulator.records import Message
from bot.emulator.validation import block_errors, with_ids
from bot.emulator.workspace import Workspace

MAX_USES = 5  # Slack accepts five posts to one response_url
LIFETIME = 30 * 60.0  # seconds: within 30 minutes of the command or click that gave it


def issue(
    ws: Workspace,
    base_url: str,
    *,
    channel: str,
    user: str,
    message_ts: str | None = None,
    thread_ts: str | None = None,
) -> str:
    token = secrets.token_hex(12)
    with ws.lock:
        ws.response_urls[token] = {
            "channel": channel,
            "user": user,
            "message_ts": message_ts,
            "thread_ts": thread_ts,
            "uses": 0,
            "issued": time.monotonic(),
        }
    return f"{base_url}response/{token}"


def deliver(ws: Workspace, token: str, body: Any) -> tuple[int, str]:
    """Apply one post to a response_url; (HTTP status, body text) as Slack answers it."""
    with ws.lock:
        target = ws.response_urls.get(token)
        if target is None:
            return 404, "invalid_token"
        if target["uses"] >= MAX_USES:
            return 404, "used_url"
        if time.monotonic() - target["issued"] > LIFETIME:
            return 404, "expired_url"
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        if body.get("blocks") is not None and block_errors(body["blocks"]):
            return 400, "invalid_blocks"
        target["uses"] += 1
        original = ws.message(target["channel"], target["message_ts"] or "")
    if body.get("delete_original"):
        if original is not None:
            ws.delete_message(original.channel, original.ts)
        return 200, "ok"
    text, blocks = body.get("text") or "", with_ids(body.get("blocks") or [])
    if not text and not blocks:
        return 400, "no_text"
    if body.get("replace_original") and original is not None:
        ws.replace_message(dataclasses.replace(original, text=text, blocks=blocks, edited=True))
        return 200, "ok"
    bot = ws.seed.bot
    thread_ts = body.get("thread_ts") or target["thread_ts"]
    in_channel = body.get("response_type") == "in_channel"
    ws.add_message(
        Message(
            channel=target["channel"],
            ts=ws.next_ts(),
            user=bot.id,
            bot_id=bot.bot_id,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            ephemeral_to=None if in_channel else target["user"],
        )
    )
    return 200, "ok"
