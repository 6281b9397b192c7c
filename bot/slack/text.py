"""Text from Slack's events, decoded in one place.

Slack sends a message's text with `&`, `<` and `>` escaped as `&amp;`, `&lt;` and `&gt;`, and
with tokens for what a person picked while typing: `<@U123>` for a person, `<#C123|name>` for a
channel, `<!subteam^S123>` for a user group, `<!here>`, `<https://...>` or `<https://...|words>`
for a link, `<!date^...|fallback>` for a date. That form is what we store (it keeps ids, which
outlive names). Whatever shows it again reads it through `readable()` first, then cuts it to
length (`clip`), then escapes it on the way out (`bot.slack.blocks.escape`), in that order: a
cut never splits an entity or a token, and nothing is escaped twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

ELLIPSIS = "…"
_TOKEN = re.compile(r"<([^<>\n]*)>")
_SPECIAL = {"here", "channel", "everyone"}

UserName = Callable[[str], str | None]  # user id -> the name people know them by


@dataclass(frozen=True)
class Names:
    """How tokens become names: a person's by `user` (e.g. users.info through a cache), a user
    group's by its handle (the policy knows them). Unknown ones fall back to the token's label."""

    user: UserName | None = None
    groups: Mapping[str, str] = field(default_factory=dict)  # usergroup id -> handle


NO_NAMES = Names()


def unescape(text: str) -> str:
    """Slack's three entities back to characters (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def readable(text: str | None, names: Names = NO_NAMES) -> str:
    """What a person sees in Slack for a message's `text`: entities decoded, `@name` for
    people and groups, `#name` for channels, a link's words with its address."""
    if not text:
        return ""
    out: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        out += [unescape(text[last : match.start()]), _token(match.group(1), names)]
        last = match.end()
    out.append(unescape(text[last:]))
    return "".join(out)


def _token(body: str, names: Names) -> str:
    target, _, label = body.partition("|")
    target, label = unescape(target), unescape(label)
    if target.startswith("@"):
        user_id = target[1:]
        found = names.user(user_id) if names.user else None
        return "@" + (found or label.lstrip("@") or user_id)
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!subteam^"):
        group_id = target.removeprefix("!subteam^")
        handle = names.groups.get(group_id) or label.lstrip("@") or "group"
        return "@" + handle.lstrip("@")
    if target.startswith("!date^"):
        return label
    if target.startswith("!"):
        word = target[1:].split("^")[0]
        return "@" + word if word in _SPECIAL else label or word
    return _link(target, label)


def _link(url: str, label: str) -> str:
    if url.startswith("mailto:"):
        return label or url.removeprefix("mailto:")
    bare = re.sub(r"^[a-z]+://", "", url).rstrip("/")
    if not label or label.rstrip("/") in (url.rstrip("/"), bare):
        return label or url  # Slack's own autolink of a typed address: show what was typed
    return f"{label} ({url})"


def clip(text: str, limit: int, *, one_line: bool = True) -> str:
    """`text` (on one line, unless `one_line` is off) in at most `limit` characters; when cut,
    between words where one fits, ending in an ellipsis. Cut readable text, before escaping."""
    flat = " ".join(text.split()) if one_line else text.strip()
    if len(flat) <= limit:
        return flat
    room = max(0, limit - len(ELLIPSIS))
    head = flat[: room + 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    kept = head[:space] if space > room // 2 else flat[:room]
    return kept.rstrip(" ,;:-") + ELLIPSIS


def first_line(text: str) -> str:
    """The first line that has words in it."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def links(text: str | None) -> list[str]:
    """The web addresses a message links to (Slack sends each as `<https://...>` or
    `<https://...|words>`), decoded, in order, each once."""
    found: list[str] = []
    for match in _TOKEN.finditer(text or ""):
        target = unescape(match.group(1).partition("|")[0])
        if re.match(r"https?://", target) and target not in found:
            found.append(target)
    return found
