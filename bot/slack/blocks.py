"""Block Kit builders shared by every surface, and the one escaping helper.

Everything a user typed goes through `escape()` before it reaches mrkdwn, so it can't ping
<!channel>, mention a group or forge a link. Cut text before escaping it (`bot.slack.text.clip`);
the limits below are a last guard, and `fit` never leaves half an entity or token behind.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

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

from bot.slack.text import clip


def escape(text: str | None) -> str:
    """Slack's control characters (&, <, >) as entities: user text stays text."""
    return html.escape(text or "", quote=False)


def echo(text: str, limit: int = 80) -> str:
    """What a person typed, quoted back in an answer: on one line, cut short (100 KB of it
    made an answer longer than Slack shows), escaped."""
    return escape(clip(text, limit))


# An entity or a token the cut would split: `&am`, `&lt`, `<@U02BR`, `<https://x|wor`.
_OPEN_TAIL = re.compile(r"&[a-z]{0,4}$|<[^<>]*$")


def fit(text: str, limit: int) -> str:
    """Escaped mrkdwn cut to `limit` characters, never inside an entity or a <...> token."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    head = _OPEN_TAIL.sub("", head)
    return head + "…"


def _plain_fit(text: str, limit: int) -> str:
    """Plain text (headers, buttons) holds no entities: a plain cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def user(user_id: str) -> str:
    return f"<@{user_id}>"


def sure(probability: float) -> str:
    """How sure a model is, for people: "87% sure"; "over 99% sure" where rounding would print
    100% (a calibrated model is never certain, and a reader takes 100% to mean it is)."""
    return "over 99% sure" if probability > 0.99 else f"{probability:.0%} sure"


def local_time(at: datetime, style: str = "{date_short_pretty} at {time}") -> str:
    """A moment as Slack's date token: each reader sees it in their own time zone (clients
    that can't render it show the UTC fallback)."""
    return f"<!date^{int(at.timestamp())}^{style}|{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC>"


def section(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit(text, 3000)), block_id=block_id)


def context(*parts: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=fit(part, 3000)) for part in parts[:10]])


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=_plain_fit(text, 150))


def divider() -> DividerBlock:
    return DividerBlock()


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=_plain_fit(text, 75), action_id=action_id, value=value[:2000], style=style
    )


def actions(buttons: Sequence[ButtonElement], block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(buttons)[:25], block_id=block_id)


def to_dicts(blocks: Iterable[Block]) -> list[dict]:
    return [block.to_dict() for block in blocks]


def ephemeral(text: str) -> dict:
    """An ack body Slack shows only to the person who ran the command."""
    return {"response_type": "ephemeral", "text": text}
