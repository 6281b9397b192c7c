"""Block Kit builders shared by every surface, and the one escaping helper.

Everything a user typed goes through `escape()` before it reaches mrkdwn, so it can't ping
<!channel>, mention a group or forge a link.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)


def escape(text: str | None) -> str:
    """Slack's control characters (&, <, >) as entities: user text stays text."""
    return html.escape(text or "", quote=False)


def user(user_id: str) -> str:
    return f"<@{user_id}>"


def section(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:3000]), block_id=block_id)


def context(*parts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=part[:3000]) for part in parts[:10]])


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=text[:150])


def divider() -> DividerBlock:
    return DividerBlock()


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text[:75], action_id=action_id, value=value[:2000], style=style)


def actions(buttons: Sequence[ButtonElement], block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(buttons)[:25], block_id=block_id)


def to_dicts(blocks: Iterable[Block]) -> list[dict]:
    return [block.to_dict() for block in blocks]


def ephemeral(text: str) -> dict:
    """An ack body Slack shows only to the person who ran the command."""
    return {"response_type": "ephemeral", "text": text}
