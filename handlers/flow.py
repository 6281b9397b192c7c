"""`/mops stats`: the team's flow figures."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.flow import flows
from handlers.context import Asker

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

STATS_USAGE = "Usage: `/mops stats` or `/mops stats 30d` (1 to 365 days)"
DAYS = re.compile(r"(\d{1,3})d")


def stats(rest: str, runtime: Runtime, asker: Asker) -> str:
    match = DAYS.fullmatch(rest.strip().lower() or "30d")
    if not match or not 1 <= int(match.group(1)) <= 365:
        return STATS_USAGE
    return "\n".join(
        flows.stats_lines(runtime.db, runtime.policy, now=runtime.clock(), days=int(match.group(1)))
    )
