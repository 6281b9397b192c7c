"""`/mops health`: a short report for ops admins, one section per fact that needs an admin.

A section has a title, whether all is well, and lines; the report shows problems first. Another
fact is another function returning a `Section` (the channel section below is the first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient

from bot.slack import channels
from bot.storage.database import Database
from policies.schema import Policy


@dataclass(frozen=True)
class Section:
    title: str
    ok: bool
    lines: list[str] = field(default_factory=list)


def render(sections: list[Section]) -> str:
    problems = [s for s in sections if not s.ok]
    count = len(problems)
    head = (
        f"*mopsbot health*: {'1 thing needs' if count == 1 else f'{count} things need'} you."
        if problems
        else "*mopsbot health*: all good."
    )
    out = [head]
    for section in sorted(sections, key=lambda s: s.ok):  # problems first, else in given order
        out.append(f"{':white_check_mark:' if section.ok else ':warning:'} *{section.title}*")
        out += [f"• {line}" for line in section.lines]
    return "\n".join(out)


def channel_section(client: WebClient, policy: Policy, db: Database, now: datetime) -> Section:
    """The channels the policy names that the bot cannot post in, asked of Slack now, and the
    ones that refused a post today."""
    checks = channels.check(client, policy)
    with db.read() as session:
        refused = channels.refused_today(session, now)
    lines = [
        f"<#{c.channel}> ({', '.join(c.purposes)}): {c.problem}"
        for c in checks
        if c.can_post is not True
    ]
    cannot = {c.channel for c in checks if c.can_post is not True}
    lines += [
        f"<#{r.channel}> refused a post today ({r.error.replace('_', ' ')})"
        for r in refused
        if r.channel not in cannot
    ]
    if not lines:
        return Section(
            "Channels", True, [f"I can post in all {len(checks)} channels the policy names."]
        )
    return Section("Channels I can't post in", False, lines)
