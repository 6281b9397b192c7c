"""OAuth scopes as Slack checks them: the bot token holds the scopes `manifest.yaml` asks for, and
a method whose scope is not granted answers `missing_scope` with `needed` and `provided`.

`METHOD_SCOPES` is Slack's documented table (each method's reference page, "Required scopes")
for the methods the emulator answers. Conversation methods need the scope of the conversation's
kind (a public channel's `channels:*`, a private one's `groups:*`, a DM's `im:*`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.emulator.seed import Channel

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yaml"

# method -> the one scope it needs; "{kind}" is channels, groups or im by the conversation.
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.delete": "chat:write",
    "chat.getPermalink": None,
    "users.info": "users:read",
    "users.list": "users:read",
    "conversations.info": "{kind}:read",
    "conversations.members": "{kind}:read",
    "conversations.history": "{kind}:history",
    "conversations.replies": "{kind}:history",
    "conversations.open": "im:write",
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.info": "files:read",
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
}
# Events the app subscribes to (manifest `settings.event_subscriptions.bot_events`) and the scope
# each needs: Slack sends an event only when both are there.
EVENT_SCOPES: dict[str, str | None] = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "app_mention": "app_mentions:read",
    "app_home_opened": None,
    "file_deleted": "files:read",
}
# Lets chat.postMessage into a public channel the bot is not a member of.
WRITE_PUBLIC = "chat:write.public"


@cache
def manifest_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """The bot scopes the app's manifest requests (what installing it grants)."""
    manifest: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


@cache
def manifest_events(path: Path = MANIFEST) -> frozenset[str]:
    """The bot events the app's manifest subscribes to."""
    manifest: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(manifest["settings"]["event_subscriptions"]["bot_events"])


@cache
def manifest_commands(path: Path = MANIFEST) -> frozenset[str]:
    """The slash commands the app's manifest registers (`/brief`, `/mops`): Slack sends the app
    no other. Each must have `should_escape: false`: the emulator sends a command's text as
    typed, as that asks; with escaping Slack would send `<@U123|sam>` for `@sam`, which the
    emulator does not make, so it refuses such a manifest rather than send the other form."""
    manifest: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    commands = manifest["features"].get("slash_commands") or []
    escaped = [c["command"] for c in commands if c.get("should_escape")]
    if escaped:
        raise ValueError(f"{', '.join(escaped)}: the emulator sends a command's text unescaped")
    return frozenset(c["command"] for c in commands)


def receives(event: str, scopes: frozenset[str], events: frozenset[str] | None = None) -> bool:
    """Whether Slack sends the app `event` (a subscription name: `message.channels`,
    `app_mention`): subscribed in the manifest, and its scope granted to the token."""
    subscribed = manifest_events() if events is None else events
    needed = EVENT_SCOPES.get(event)
    return event in subscribed and (needed is None or needed in scopes)


def message_event(channel: Channel) -> str:
    """The subscription that carries messages posted in `channel`."""
    return (
        "message.im"
        if channel.is_im
        else "message.groups"
        if channel.is_private
        else "message.channels"
    )


def needed_scope(method: str, channel: Channel | None) -> str | None:
    """The scope `method` needs on `channel` (None: no scope needed)."""
    scope = METHOD_SCOPES.get(method)
    if scope is None or "{kind}" not in scope:
        return scope
    kind = (
        "im"
        if channel and channel.is_im
        else "groups"
        if channel and channel.is_private
        else "channels"
    )
    return scope.format(kind=kind)
