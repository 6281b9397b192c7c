"""/mops digest and /mops stats: a person's digest settings and the team's flow figures."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.digests import service as digest
from bot.flow import service as flow
from bot.slack.blocks import ephemeral
from handlers.commands import MOPS_USAGE, MopsSubcommand, mops_subcommand

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

DIGEST_USAGE = "Usage: `/mops digest on` · `/mops digest off` · `/mops digest time HH:MM`"
STATS_USAGE = "Usage: `/mops stats` or `/mops stats 30d` (1 to 365 days)"
HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@mops_subcommand("digest")
def digest_settings(runtime: Runtime) -> MopsSubcommand:
    def run(command: dict, rest: str) -> dict:
        words = rest.lower().split()
        user_id = command["user_id"]
        if words == ["on"]:
            change, answer = {"enabled": True}, "Your daily digest is on."
        elif words == ["off"]:
            change, answer = {"enabled": False}, "Your daily digest is off."
        elif len(words) == 2 and words[0] == "time" and HHMM.match(words[1]):
            hour, minute = HHMM.match(words[1]).groups()  # type: ignore[union-attr]
            at = f"{int(hour):02d}:{minute}"
            change, answer = {"at": at}, f"Your daily digest comes at {at} your time."
        else:
            return ephemeral(f"{DIGEST_USAGE}. {MOPS_USAGE}")
        with runtime.db.transaction() as session:
            digest.set_preference(session, user_id, **change)
        return ephemeral(answer)

    return run


@mops_subcommand("stats")
def stats(runtime: Runtime) -> MopsSubcommand:
    def run(command: dict, rest: str) -> dict:
        text = rest.strip().lower() or "30d"
        match = re.fullmatch(r"(\d{1,3})d", text)
        if not match or not 1 <= int(match.group(1)) <= 365:
            return ephemeral(STATS_USAGE)
        days = int(match.group(1))
        now = runtime.clock()
        with runtime.db.transaction() as session:
            lines = flow.stats_lines(
                session, runtime.policy, now=now, since=now - timedelta(days=days)
            )
        return ephemeral("\n".join(lines))

    return run


def register(app, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    """The subcommands above are registered on import; /mops binds them per runtime."""
