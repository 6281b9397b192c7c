"""Answers to one person: an ephemeral in the channel (and thread) they used, through the outbox
like every other message, so it is sent once the transaction that decided it commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.slack.deliveries import claim_delivery
from bot.slack.outbox import enqueue
from bot.storage.database import Database


@dataclass(frozen=True)
class Reply:
    """Where an answer goes: an ephemeral to the person, in the channel (and thread) they used."""

    channel: str | None
    user: str
    thread_ts: str | None = None


def ephemeral(session: Session, reply: Reply, text: str) -> None:
    """Enqueue the answer in the caller's transaction; nowhere to show it (no channel), no answer."""
    if not reply.channel:
        return
    payload = {"channel": reply.channel, "user": reply.user, "text": text}
    if reply.thread_ts:
        payload["thread_ts"] = reply.thread_ts
    enqueue(session, "chat.postEphemeral", payload)


def tell(
    db: Database,
    reply: Reply,
    text: str,
    *,
    delivery_key: str | None = None,
    kind: str = "action",
) -> bool:
    """The answer in a transaction of its own. With a delivery key, the delivery is claimed in the
    same transaction and a redelivery says nothing: False when it was already handled."""
    with db.transaction() as session:
        if not claim_delivery(session, delivery_key, kind):
            return False
        ephemeral(session, reply, text)
    return True
