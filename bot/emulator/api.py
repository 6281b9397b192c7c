"""The shared frame of the emulated Web API methods: arguments, errors, the method table.

Each `api_*` module lists its methods in a `METHODS` table that the server joins; a method gets
one `ApiCall` and returns the fields of Slack's answer (without "ok"), or raises `SlackError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.emulator.records import Message
from bot.emulator.scopes import WRITE_PUBLIC, needed_scope
from bot.emulator.seed import Channel
from bot.emulator.validation import block_errors, with_ids
from bot.emulator.workspace import Workspace

MAX_TEXT = 40_000


class SlackError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


class Args:
    """A method's arguments merged from query, form and JSON body; JSON-in-a-string decoded."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None or value == "" else str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
            )
        return value

    def json(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise SlackError(
                    f"invalid_{name}_format" if name == "blocks" else "invalid_arguments",
                    response_metadata={"messages": [f"[ERROR] {name}: {exc}"]},
                ) from exc
        return value

    def flag(self, name: str) -> bool | None:
        value = self.values.get(name)
        if value is None or isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes")


@dataclass
class ApiCall:
    workspace: Workspace
    args: Args
    base_url: str  # the emulator's root, for the URLs it hands out
    trigger_ttl: float

    @property
    def team_id(self) -> str:
        return self.workspace.seed.team.id

    def channel(self, name: str = "channel") -> Channel:
        found = self.workspace.channel(self.args.text(name))
        if found is None:
            raise SlackError("channel_not_found")
        return found

    def require_scope(self, method: str) -> None:
        """`missing_scope` (with `needed` and `provided`, as Slack answers) unless granted."""
        channel = self.workspace.channel(self.args.text("channel") or self.args.text("channel_id"))
        needed = needed_scope(method, channel)
        if needed is not None and needed not in self.workspace.scopes:
            raise SlackError(
                "missing_scope", needed=needed, provided=",".join(sorted(self.workspace.scopes))
            )

    def postable_channel(
        self,
        name: str = "channel",
        *,
        public_scope: bool = True,
        refusal: str = "not_in_channel",
        reading: bool = False,
    ) -> Channel:
        """A channel the bot may post in: a member, or (with chat:write.public, where Slack
        allows it) any public channel; else the method's documented `refusal`. An archived
        channel takes no posts (`is_archived`), though a member may still read it (`reading`)."""
        channel = self.channel(name)
        ws = self.workspace
        if not reading and ws.is_archived(channel):
            raise SlackError("is_archived")
        if ws.is_member(channel, ws.seed.bot.id):
            return channel
        if public_scope and not channel.is_private and WRITE_PUBLIC in ws.scopes:
            return channel
        raise SlackError(refusal)

    def visible_channel(self, name: str = "channel") -> Channel:
        """A channel the bot can see: any public one, a private one only as a member (to
        anyone else a private channel does not exist)."""
        channel = self.channel(name)
        ws = self.workspace
        if channel.is_private and not ws.is_member(channel, ws.seed.bot.id):
            raise SlackError("channel_not_found")
        return channel

    def user_id(self, name: str = "user") -> str:
        """Slack takes user ids only here (channel arguments also take names)."""
        user_id = self.args.text(name) or ""
        if user_id not in self.workspace.users:
            raise SlackError("user_not_found")
        return user_id

    def content(self, required: bool = True) -> tuple[str | None, list[dict[str, Any]] | None]:
        """(text, blocks) of a message; blocks None when the call did not send any."""
        text = self.args.text("text")
        blocks = self.args.json("blocks")
        if blocks is not None:
            errors = block_errors(blocks)
            if errors:
                raise SlackError(
                    "invalid_blocks",
                    errors=errors,
                    response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
                )
        if required and not text and not blocks and not self.args.json("attachments"):
            raise SlackError("no_text")
        if text and len(text) > MAX_TEXT:
            raise SlackError("msg_too_long")
        return text, with_ids(blocks) if blocks is not None else None

    def thread_root(self, channel: str) -> str | None:
        """A thread_ts names the parent; a reply's ts threads under that reply's parent."""
        thread_ts = self.args.text("thread_ts")
        if thread_ts is None:
            return None
        parent = self.workspace.message(channel, thread_ts)
        if parent is None or parent.ephemeral_to:
            raise SlackError("thread_not_found")
        return parent.thread_ts or parent.ts

    def own_message(self, channel: str, ts: str | None, verb: str) -> Message:
        found = self.workspace.message(channel, ts or "")
        if found is None:
            raise SlackError("message_not_found")
        if found.user != self.workspace.seed.bot.id:
            raise SlackError(f"cant_{verb}_message")
        return found


Method = Callable[[ApiCall], dict[str, Any]]
