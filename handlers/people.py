"""A person named in a command's words: `<@U123|sam>` (Slack's escaped mention) or `@sam`.

With escaping off Slack sends what was typed, so a plain `@name` is looked up in `users.list`
by username, display name or real name; an unknown or ambiguous name is None.
"""

from __future__ import annotations

import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>$")


def user_id_of(client: WebClient, word: str) -> str | None:
    found = MENTION.match(word)
    if found:
        return found.group(1)
    name = word.removeprefix("@").strip().lower()
    if not word.startswith("@") or not name:
        return None
    try:
        members = client.users_list(limit=1000).get("members") or []
    except SlackApiError:
        return None
    matches = {
        member["id"]
        for member in members
        if not member.get("deleted")
        and not member.get("is_bot")
        and name
        in {
            str(member.get("name", "")).lower(),
            str((member.get("profile") or {}).get("display_name", "")).lower(),
            str(member.get("real_name", "")).lower(),
        }
    }
    return matches.pop() if len(matches) == 1 else None
