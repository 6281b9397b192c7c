"""`/mops digest` (a person's daily digest settings) and the App Home."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.digests import flows
from handlers.context import Asker
from handlers.usage import MOPS_USAGE

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

DIGEST_USAGE = "Usage: `/mops digest on` · `/mops digest off` · `/mops digest time HH:MM`"
HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def digest_settings(rest: str, runtime: Runtime, asker: Asker) -> str:
    """`/mops digest on|off|time HH:MM`."""
    words = rest.lower().split()
    at = HHMM.match(words[1]) if len(words) == 2 and words[0] == "time" else None
    if words == ["on"]:
        flows.set_preference(runtime.db, asker.user_id, enabled=True)
        return "Your daily digest is on."
    if words == ["off"]:
        flows.set_preference(runtime.db, asker.user_id, enabled=False)
        return "Your daily digest is off."
    if at:
        hhmm = f"{int(at.group(1)):02d}:{at.group(2)}"
        flows.set_preference(runtime.db, asker.user_id, at=hhmm)
        return f"Your daily digest comes at {hhmm} your time."
    return f"{DIGEST_USAGE}. {MOPS_USAGE}"


def home_opened(event: dict, runtime: Runtime, asker: Asker, delivery_key: str | None) -> None:
    if event.get("tab", "home") != "home":
        return
    flows.publish_home(
        runtime.db, runtime.policy, asker.actor, now=runtime.clock(), delivery_key=delivery_key
    )
