"""Messages and modals as readable text, for the shell and for test assertions.

Pure functions. Interactive elements get numbers (`[1] Approve  [2] Request changes`) and come
back as `ActionRef`s, so a caller can click by number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.emulator import dates
from bot.emulator.records import Message
from bot.emulator.seed import DEFAULT_SEED, Seed

INTERACTIVE = {
    "button",
    "static_select",
    "external_select",
    "users_select",
    "overflow",
    "conversations_select",
    "channels_select",
    "datepicker",
    "timepicker",
    "multi_static_select",
    "multi_users_select",
    "checkboxes",
    "radio_buttons",
}


def real_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Names:
    users: dict[str, str]
    groups: dict[str, str]
    channels: dict[str, str]
    # The reader's time zone: a date token shows in it, as a Slack client shows it to them
    # (the shell sets it to the person acting). None: the token's own fallback text.
    tz: str | None = None
    # The reader's now, for "today" and "tomorrow": the bot's clock (a test's, when it sets one).
    clock: Callable[[], datetime] = real_now

    @classmethod
    def of(cls, seed: Seed = DEFAULT_SEED) -> Names:
        users = {u.id: u.name for u in (seed.bot, *seed.users)}
        return cls(
            users={**users, "USLACKBOT": "slackbot"},
            groups={g.id: g.handle for g in seed.usergroups},
            channels={c.id: c.name for c in seed.channels},
        )


@dataclass(frozen=True)
class ActionRef:
    """A numbered interactive element: enough to build Slack's block_actions payload."""

    number: int
    type: str
    action_id: str
    block_id: str
    text: str
    value: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    url: str | None = None
    element: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InputField:
    block_id: str
    action_id: str
    label: str
    type: str
    optional: bool
    hint: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    initial: str | None = None
    multiline: bool = False


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    actions: list[ActionRef] = field(default_factory=list)
    inputs: list[InputField] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_DEFAULT_NAMES = Names.of()
_TOKEN = re.compile(r"<([^<>]+)>")


def mrkdwn(text: str, names: Names = _DEFAULT_NAMES) -> str:
    """Slack's markup made readable: <@U02BRAM> -> @bram, <url|label> -> label (url)."""

    def token(match: re.Match[str]) -> str:
        body = match.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            return "@" + names.users.get(target[1:], label or target[1:])
        if target.startswith("#"):
            return "#" + names.channels.get(target[1:], label or target[1:])
        if target.startswith("!subteam^"):
            group = target.removeprefix("!subteam^")
            return "@" + names.groups.get(group, label.lstrip("@") or group)
        if target.startswith("!date^"):
            if names.tz is None:
                return label  # the fallback the bot wrote (UTC)
            return dates.shown(target.removeprefix("!date^"), label, names.tz, names.clock())
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return f"{label} ({target})" if label else target

    readable = _TOKEN.sub(token, text)
    return readable.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any, names: Names) -> str:
    if isinstance(obj, dict):
        return (
            mrkdwn(obj.get("text", ""), names)
            if obj.get("type") == "mrkdwn"
            else obj.get("text", "")
        )
    return str(obj or "")


def _options(element: dict[str, Any], names: Names) -> list[tuple[str, str]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return [(_text(o.get("text"), names), str(o.get("value", ""))) for o in options]


class _Renderer:
    def __init__(self, names: Names, start: int) -> None:
        self.names, self.next_number = names, start
        self.out = Rendered()

    def action(self, element: dict[str, Any], block_id: str) -> str:
        kind = element.get("type", "")
        label = _text(element.get("text") or element.get("placeholder") or kind, self.names)
        options = _options(element, self.names)
        ref = ActionRef(
            self.next_number,
            kind,
            element.get("action_id", ""),
            block_id,
            label,
            element.get("value"),
            options,
            element.get("url"),
            element,
        )
        self.out.actions.append(ref)
        self.next_number += 1
        if kind == "button":
            return f"[{ref.number}] {label}"
        choices = " / ".join(text for text, _ in options)
        return f"[{ref.number}] {label} ({kind}{': ' + choices if choices else ''})"

    def block(self, block: dict[str, Any]) -> None:
        kind, block_id, lines = block.get("type"), block.get("block_id", ""), self.out.lines
        if kind == "header":
            lines.append(f"# {_text(block.get('text'), self.names)}")
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "section":
            if block.get("text"):
                lines += _text(block["text"], self.names).splitlines() or [""]
            fields = [_text(f, self.names) for f in block.get("fields") or []]
            for left, right in zip(fields[::2], [*fields[1::2], ""], strict=False):
                lines.append(
                    f"  {left.replace(chr(10), ' ')}"
                    + (f"  |  {right.replace(chr(10), ' ')}" if right else "")
                )
            accessory = block.get("accessory") or {}
            if accessory.get("type") in INTERACTIVE:
                lines.append("  " + self.action(accessory, block_id))
            elif accessory.get("type") == "image":
                lines.append(f"  [image: {accessory.get('alt_text', '')}]")
        elif kind == "context":
            parts = [
                _text(e, self.names)
                if e.get("type") != "image"
                else f"[image: {e.get('alt_text', '')}]"
                for e in block.get("elements") or []
            ]
            lines.append("  " + "  ".join(parts))
        elif kind == "actions":
            lines.append("  ".join(self.action(e, block_id) for e in block.get("elements") or []))
        elif kind == "input":
            self.input(block)
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            lines += _rich_text(block, self.names).splitlines()
        else:
            lines.append(f"[{kind}]")

    def input(self, block: dict[str, Any]) -> None:
        element = block.get("element") or {}
        person = element.get("initial_user")
        channel = element.get("initial_channel") or element.get("initial_conversation")
        initial = (
            element.get("initial_value")
            or element.get("initial_date")
            or (f"@{self.names.users.get(person, person)}" if person else None)
            or (f"#{self.names.channels.get(channel, channel)}" if channel else None)
            or _text((element.get("initial_option") or {}).get("text"), self.names)
        )
        field_ = InputField(
            block_id=block.get("block_id", ""),
            action_id=element.get("action_id", ""),
            label=_text(block.get("label"), self.names),
            type=element.get("type", ""),
            optional=bool(block.get("optional")),
            hint=_text(block.get("hint"), self.names),
            options=_options(element, self.names),
            initial=initial or None,
            multiline=bool(element.get("multiline")),
        )
        self.out.inputs.append(field_)
        need = "optional" if field_.optional else "required"
        line = f"{field_.label} ({field_.type}, {need})"
        if field_.initial:
            line += f" = {field_.initial}"
        self.out.lines.append(line)
        if field_.hint:
            self.out.lines.append(f"    {field_.hint}")
        for number, (text, _) in enumerate(field_.options, start=1):
            self.out.lines.append(f"    {number}) {text}")


def _rich_text(node: Any, names: Names) -> str:
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return node.get("text", "")
    if kind == "user":
        user_id = str(node.get("user_id", ""))
        return "@" + names.users.get(user_id, user_id)
    if kind == "usergroup":
        group_id = str(node.get("usergroup_id", ""))
        return "@" + names.groups.get(group_id, group_id)
    if kind == "channel":
        channel_id = str(node.get("channel_id", ""))
        return "#" + names.channels.get(channel_id, channel_id)
    if kind == "link":
        return node.get("text") or node.get("url", "")
    return "".join(_rich_text(e, names) for e in node.get("elements") or [])


def render_blocks(
    blocks: list[dict[str, Any]], names: Names = _DEFAULT_NAMES, start: int = 1
) -> Rendered:
    renderer = _Renderer(names, start)
    for block in blocks:
        renderer.block(block)
    return renderer.out


def render_message(
    message: Message, names: Names = _DEFAULT_NAMES, start: int = 1, replies: int = 0
) -> Rendered:
    """Author line, then the blocks (or the text when there are none), then notes."""
    author = names.users.get(message.user, message.user)
    notes = [
        n
        for n, on in (("only visible to you", message.ephemeral_to), ("edited", message.edited))
        if on
    ]
    out = (
        render_blocks(message.blocks, names, start)
        if message.blocks
        else Rendered(lines=mrkdwn(message.text, names).splitlines() or [""])
    )
    for file in message.files:
        if file.get("mode") == "tombstone":  # deleted: Slack keeps its place in the message
            out.lines.append("[This file was deleted.]")
        else:
            out.lines.append(f"[file: {file.get('title') or file.get('name')}]")
    if replies:
        out.lines.append(f"[{replies} repl{'y' if replies == 1 else 'ies'} in thread]")
    head = f"{author}:" + (f" ({', '.join(notes)})" if notes else "")
    if message.subtype == "tombstone":
        head = ""  # Slack draws a deleted thread parent without an author
    out.lines = [head, *[f"  {line}" for line in out.lines]]
    return out


def render_view(view: dict[str, Any], names: Names = _DEFAULT_NAMES, start: int = 1) -> Rendered:
    """A modal or home tab: title, blocks, inputs with label, type, hint, numbered choices."""
    out = render_blocks(view.get("blocks") or [], names, start)
    title = _text(view.get("title"), names) or ("App Home" if view.get("type") == "home" else "")
    buttons = [
        f"[{key}: {_text(view[key], names)}]" for key in ("submit", "close") if view.get(key)
    ]
    out.lines = [f"=== {title} ===", *out.lines] + (["  ".join(buttons)] if buttons else [])
    return out


def plain_text(message: Message, names: Names = _DEFAULT_NAMES) -> str:
    """Everything a person can read in a message, raw text included, for substring matching."""
    return message.text + "\n" + render_message(message, names).text
