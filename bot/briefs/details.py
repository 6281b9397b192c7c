"""A brief's fields as people read them: every field, shortened in the channel message (cut
before escaping, and saying so), in full in the *Show full brief* modal and `/brief show`.

Block Kit caps a section's text at 3,000 characters and a message at 50 blocks, a modal at 100:
lines are packed into as few sections as fit, and a field longer than one section (escaping
can make 3,000 typed characters many more) continues in the next, never split inside an entity.
"""

from __future__ import annotations

import json
import re
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.briefs.models import Brief
from bot.slack import blocks
from bot.slack.blocks import escape
from bot.slack.text import clip
from policies.schema import Policy
from policies.template import TemplateField

SHOWN_IN_CHANNEL = 300  # characters of one field in the brief's message
SECTION_CHARS = 3000  # Slack's limit for a section's text
MODAL_BLOCKS = 100
# An entity (&amp;) or a <...> token left open at the end of a chunk: moved to the next chunk.
_OPEN_TAIL = re.compile(r"&[a-z]{0,4}$|<[^<>]*$")


def field_lines(policy: Policy, brief: Brief, limit: int | None) -> tuple[list[str], bool]:
    """One mrkdwn line per filled-in field but the title, in form order, each value cut to
    `limit` characters (None: in full); and whether any was cut."""
    lines: list[str] = []
    shortened = False
    for field in policy.workflows.brief.template.fields:
        value = (brief.fields or {}).get(field.id)
        if value in (None, "") or field.id == "title":
            continue
        text = as_text(field, value)
        if field.type == "user":
            shown = blocks.user(text)
        else:
            cut = clip(text, limit, one_line=False) if limit is not None else text
            shortened = shortened or cut != text.strip()
            shown = escape(cut)  # cut the words, then escape: never half an entity
        lines.append(f"*{escape(field.label)}:* {shown}")
    return lines, shortened


def as_text(field: TemplateField, value: Any) -> str:
    """A stored value as people read it: numbers with thousands separators (5,000; 1,500.50)."""
    if field.type == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, int) or value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.2f}" if round(value, 2) == value else f"{value:,}"
    return str(value)


def sections(lines: list[str]) -> list[Block]:
    """The lines in as few section blocks as Slack's limit allows."""
    texts: list[str] = []
    for line in lines:
        for chunk in _chunks(line, SECTION_CHARS):
            if texts and len(texts[-1]) + 1 + len(chunk) <= SECTION_CHARS:
                texts[-1] += "\n" + chunk
            else:
                texts.append(chunk)
    return [blocks.section(text) for text in texts]


def _chunks(text: str, size: int) -> list[str]:
    """`text` in pieces of at most `size` characters, none ending inside an entity or token."""
    pieces: list[str] = []
    while len(text) > size:
        head = text[:size]
        trimmed = _OPEN_TAIL.sub("", head) or head
        pieces.append(trimmed)
        text = text[len(trimmed) :]
    return [*pieces, text] if text or not pieces else pieces


def shortened_note(brief: Brief) -> str:
    return (
        f"Long fields are shortened here (…): *Show full brief* or `/brief show {brief.id}` "
        f"has every word."
    )


def full_brief_modal(policy: Policy, brief: Brief) -> dict:
    """Every field of the brief in full, read-only."""
    lines, _ = field_lines(policy, brief, None)
    body: list[Block] = [blocks.header(f"Brief #{brief.id}: {brief.title}")]
    body += sections(lines) or [blocks.section("_No details._")]
    if len(body) > MODAL_BLOCKS:
        body = [
            *body[: MODAL_BLOCKS - 1],
            blocks.context(f"Too long for one window: `/brief show {brief.id}` has the rest."),
        ]
    view = View(
        type="modal",
        title=f"Brief #{brief.id}"[:24],
        close="Close",
        blocks=body,
        private_metadata=json.dumps({"brief_id": brief.id}),
    )
    return view.to_dict()
