"""What the emulator remembers: messages, Web API calls, uploaded files, and change notices.

All are immutable snapshots; an edit replaces the stored value, so a test holding an old
`Message` keeps seeing what was there when it looked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    channel: str
    ts: str
    user: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    edited: bool = False
    bot_id: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    unfurl_links: bool | None = None
    subtype: str | None = None  # "tombstone": a deleted thread parent, kept for its replies
    # Global change counter at the last create/edit: "what changed since X" without clocks.
    seq: int = 0

    @property
    def is_bot(self) -> bool:
        return self.bot_id is not None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def as_slack(self, team_id: str | None = None, *, metadata: bool = True) -> dict[str, Any]:
        """The message as Slack's API returns it (history, replies, interaction payloads).
        `metadata`: conversations.history and .replies return a message's metadata only when
        asked with include_all_metadata, as Slack does."""
        out: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "text": self.text,
            "ts": self.ts,
        }
        if self.bot_id:
            out["bot_id"] = self.bot_id
        if self.subtype:
            out.update(subtype=self.subtype, hidden=True)
        if self.blocks:
            out["blocks"] = self.blocks
        if self.attachments:
            out["attachments"] = self.attachments
        if self.files:
            out["files"] = self.files
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.metadata and metadata:
            out["metadata"] = self.metadata
        if self.edited:
            out["edited"] = {"user": self.user, "ts": self.ts}
        if team_id:
            out["team"] = team_id
        return out


@dataclass(frozen=True)
class Call:
    """One Web API request, as the bot made it."""

    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None
    at: float


@dataclass(frozen=True)
class UploadedFile:
    id: str
    filename: str
    length: int
    title: str | None = None
    content: bytes | None = None
    channel: str | None = None
    thread_ts: str | None = None
    completed: bool = False
    alt_text: str | None = None  # Slack's `alt_txt`: what a screen reader says for an image
    width: int | None = None  # an image's pixels (Slack's original_w / original_h)
    height: int | None = None
    user: str | None = None
    share_ts: str | None = None  # the message that shared it
    deleted: bool = False  # its uploader deleted it: its messages keep a tombstone in its place


@dataclass(frozen=True)
class Change:
    """A notice to subscribers. kind: message, message_changed, message_deleted, ephemeral,
    view_opened, view_updated, view_closed, home_published."""

    kind: str
    message: Message | None = None
    user: str | None = None
    view: dict[str, Any] | None = None
