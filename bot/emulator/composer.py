"""What a person types, as Slack sends it: the message composer's encoding.

Slack's client turns `@sam` into `<@U05SAM>`, `@brand-team` into `<!subteam^S01BRAND>`, `@here`
into `<!here>`, `#intake` into `<#C02INTAKE|intake>`, a URL into `<https://...>` (a link pasted
over words, typed here as `[words](https://...)`, into `<https://...|words>`), and escapes
`&`, `<` and `>` everywhere else as `&amp;`, `&lt;` and `&gt;`. Events and history carry that
form, never the raw text.
"""

from __future__ import annotations

import re

from bot.emulator.workspace import Workspace

_PIECE = re.compile(
    r"\[(?P<label>[^\]\n]+)\]\((?P<labelled>https?://[^\s)]+)\)"  # [words](https://...)
    r"|(?P<url>https?://[^\s<>]*[^\s<>.,;:!?)\]])"  # a bare URL, trailing punctuation left out
    r"|(?<![\w@])@(?P<at>[A-Za-z0-9._-]*[A-Za-z0-9_])"  # @name, @handle, @here
    r"|(?<![\w#&])#(?P<channel>[a-z0-9_-]+)"  # #channel
)
SPECIAL = {"here", "channel", "everyone"}


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode(text: str, ws: Workspace) -> str:
    """`text` as typed -> the `text` of Slack's message event. Names nobody has stay text."""
    out: list[str] = []
    last = 0
    for match in _PIECE.finditer(text):
        token = _token(match, ws)
        if token is None:
            continue
        out += [escape(text[last : match.start()]), token]
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _token(match: re.Match[str], ws: Workspace) -> str | None:
    if match["labelled"]:
        return f"<{escape(match['labelled'])}|{escape(match['label'])}>"
    if match["url"]:
        return f"<{escape(match['url'])}>"
    if match["at"] is not None:
        name = match["at"]
        if name in SPECIAL:
            return f"<!{name}>"
        user = ws.user(name)
        if user is not None:
            return f"<@{user.id}>"
        group = next((g for g in ws.usergroups.values() if g.handle == name), None)
        return f"<!subteam^{group.id}>" if group else None
    channel = ws.channel(match["channel"])
    if channel is None or channel.is_im:
        return None
    return f"<#{channel.id}|{channel.name}>"
