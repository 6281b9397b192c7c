"""`/mops digest`: a person's daily digest settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.digests import flows
from handlers.context import Asker

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

DIGEST_USAGE = (
    "Usage: `/mops digest` (your setting) · `/mops digest on` · `/mops digest off` · "
    "`/mops digest time 10:30` (or `9`, `2pm`, `noon`)"
)


def digest_settings(rest: str, runtime: Runtime, asker: Asker) -> str:
    """`/mops digest [on|off|time WHEN]`."""
    words = rest.lower().split()
    user_id, policy, db = asker.user_id, runtime.policy, runtime.db
    timezone = runtime.directory.timezone(user_id)
    if not words:
        return flows.digest_setting(db, policy, user_id, timezone)
    if words in (["on"], ["off"]):
        return flows.turn_digest(db, policy, user_id, timezone, on=words == ["on"])
    if words[0] in ("time", "at") and len(words) > 1:
        return flows.time_digest(db, policy, user_id, timezone, " ".join(words[1:]))
    return DIGEST_USAGE
