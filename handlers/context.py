"""What every handler needs from a delivery: who is asking, and a unit of work that survives races."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.briefs.service import Actor, Outcome, click_already_handled
from bot.slack.deliveries import claim_delivery
from bot.slack.outbox import enqueue

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

T = TypeVar("T")
RACE_LOST = Outcome(
    False,
    "Someone else acted on this brief at the same moment; nothing was done. "
    "The message above shows where it stands now.",
)


def actor_for(runtime: Runtime, user_id: str) -> Actor:
    group_ids = [group.usergroup_id for group in runtime.policy.groups.values()]
    return Actor(user_id=user_id, group_ids=runtime.directory.groups_of(user_id, group_ids))


@dataclass(frozen=True)
class Reply:
    """Where a refusal goes: an ephemeral to the person, in the channel (and thread) they used."""

    channel: str | None
    user: str
    thread_ts: str | None = None


def in_transaction(
    runtime: Runtime, work: Callable[[Session], T], reply: Reply | None = None
) -> T | Outcome:
    """Run one unit of work. A refusal is answered in the same transaction (one commit per
    click); a concurrent change to the same brief turns into a polite refusal of its own."""
    try:
        with runtime.db.transaction() as session:
            result = work(session)
            if reply and isinstance(result, Outcome) and not result.ok and not result.duplicate:
                _ephemeral(session, reply, result.message)
            return result
    except StaleDataError:
        if reply:
            tell(
                runtime,
                channel=reply.channel,
                user=reply.user,
                text=RACE_LOST.message,
                thread_ts=reply.thread_ts,
            )
        return RACE_LOST


def check_then_transact(
    runtime: Runtime,
    check: Callable[[Session], Outcome | None],
    work: Callable[[Session], T],
    reply: Reply,
    delivery_key: str | None,
) -> T | Outcome:
    """`check` in a snapshot first; run `work` in a transaction only when it found no refusal.

    A refused click (a stale button, someone who is not the approver) changes nothing but its
    delivery key and an ephemeral, so it holds SQLite's single write lock for two inserts, not
    for the whole decision. `work` must check again: the snapshot may be a moment old."""
    with runtime.db.read() as session:
        refusal = check(session)
    if refusal is None:
        return in_transaction(runtime, work, reply)
    with runtime.db.transaction() as session:
        if not claim_delivery(session, delivery_key, "action"):
            return click_already_handled()
        _ephemeral(session, reply, refusal.message)
    return refusal


def reply_to(body: dict) -> Reply:
    """The ephemeral address of an interaction: its channel, and thread when it was in one."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return Reply(
        channel=channel,
        user=body["user"]["id"],
        thread_ts=(body.get("message") or {}).get("thread_ts"),
    )


def tell(
    runtime: Runtime, *, channel: str | None, user: str, text: str, thread_ts: str | None = None
) -> None:
    """An ephemeral answer, through the outbox like every other message."""
    with runtime.db.transaction() as session:
        _ephemeral(session, Reply(channel, user, thread_ts), text)


def _ephemeral(session: Session, reply: Reply, text: str) -> None:
    if not reply.channel:
        return
    payload = {"channel": reply.channel, "user": reply.user, "text": text}
    if reply.thread_ts:
        payload["thread_ts"] = reply.thread_ts
    enqueue(session, "chat.postEphemeral", payload)
