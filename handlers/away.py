"""`/mops away`: out of office until a date, perhaps with a delegate; `off` when back; the
current setting with no words."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.briefs import away, flows
from bot.slack.blocks import echo
from handlers import people
from handlers.context import Asker

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

AWAY_USAGE = (
    "Usage: `/mops away until YYYY-MM-DD [@delegate]` · `/mops away off` · "
    "`/mops away` (your current setting)"
)


def away_settings(rest: str, runtime: Runtime, asker: Asker) -> str:
    words = rest.split()
    now = runtime.clock()
    if not words:
        return _current(runtime, asker.user_id)
    if words == ["off"] or words == ["back"]:
        was_away = flows.come_back(runtime.db, runtime.policy, user_id=asker.user_id, now=now)
        return (
            "Welcome back: stages wait on you again and your reminders come to you."
            if was_away
            else "You weren't marked away; nothing changed."
        )
    if words[0].lower() != "until" or len(words) not in (2, 3):
        return AWAY_USAGE
    try:
        until = date.fromisoformat(words[1])
    except ValueError:
        return f"`{echo(words[1])}` isn't a date I can read; write it like 2027-01-10. {AWAY_USAGE}"
    if until < away.today(runtime.policy, now):
        return f"{until:%a %d %b %Y} has already passed; give the last day you are away."
    delegate = None
    if len(words) == 3:
        delegate = people.user_id_of(runtime.client, words[2])
        if delegate is None:
            return f"I can't tell who {echo(words[2])} is; name one person, like `@sam`."
        if delegate == asker.user_id:
            return "You can't be your own delegate; name someone else, or leave the name out."
    flows.go_away(
        runtime.db,
        runtime.policy,
        user_id=asker.user_id,
        until=until,
        delegate_id=delegate,
        now=now,
    )
    return _current(runtime, asker.user_id)


def _current(runtime: Runtime, user_id: str) -> str:
    absent = flows.absence(runtime.db, runtime.policy, user_id, runtime.clock())
    if absent is None:
        return f"You're not marked away. {AWAY_USAGE}"
    last_day = f"{absent.until:%a %d %b %Y}"
    if absent.delegate_id is None:
        return (
            f"You're away until {last_day} (your last day away), with no delegate: stages "
            "wait on the rest of your group. `/mops away off` when you're back."
        )
    return (
        f"You're away until {last_day} (your last day away). <@{absent.delegate_id}> decides "
        "the stages waiting on you and gets your reminders meanwhile (shown as "
        f'"<@{absent.delegate_id}> for <@{user_id}>"). `/mops away off` when you\'re back.'
    )
