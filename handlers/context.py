"""What every handler needs from a delivery: who is asking, and a unit of work that survives races."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.orm.exc import StaleDataError

from bot.briefs.service import Actor, Outcome
from bot.outbox import enqueue

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

T = TypeVar("T")
RACE_LOST = Outcome(False, "Someone else acted on this brief at the same moment; nothing was done. "
                           "The message above shows where it stands now.")


def actor_for(runtime: Runtime, user_id: str) -> Actor:
    group_ids = [group.usergroup_id for group in runtime.policy.groups.values()]
    return Actor(user_id=user_id, group_ids=runtime.directory.groups_of(user_id, group_ids))


def in_transaction(runtime: Runtime, work: Callable[[Session], T]) -> T | Outcome:
    """Run one unit of work; a concurrent change to the same brief turns into a polite refusal."""
    try:
        with runtime.db.transaction() as session:
            return work(session)
    except StaleDataError:
        return RACE_LOST


def tell(runtime: Runtime, *, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
    """An ephemeral answer to a click, through the outbox like every other message."""
    payload = {"channel": channel, "user": user, "text": text}
    if thread_ts:
        payload["thread_ts"] = thread_ts
    with runtime.db.transaction() as session:
        enqueue(session, "chat.postEphemeral", payload)
