"""`/mops scorecard` (where to automate next) and `/mops goals` (the outcome view)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.insights import flows
from handlers.context import Asker

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


def scorecard(rest: str, runtime: Runtime, asker: Asker) -> str:
    if rest.strip():
        return "Usage: `/mops scorecard` (the window is the policy's `scorecard.weeks`)"
    lines = flows.scorecard_lines(
        runtime.db, runtime.policy, runtime.intake_routes(), now=runtime.clock()
    )
    return "\n".join(lines)


def goals(rest: str, runtime: Runtime, asker: Asker) -> str:
    if rest.strip():
        return "Usage: `/mops goals` (goals are set under `goals:` in the policy)"
    return "\n".join(flows.goal_lines(runtime.db, runtime.policy, now=runtime.clock()))
