"""Units of work for the retention purge and `/mops forget`: they open the transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.audit import service as audit
from bot.core.logs import get_logger
from bot.privacy import messages, service
from bot.privacy.service import Held, Purged
from bot.slack import replies
from bot.slack.deliveries import claim_delivery
from bot.slack.replies import Reply
from bot.storage.database import Database
from policies.schema import Policy

log = get_logger(__name__)
FORGOTTEN = "person_forgotten"  # the audit action


def purge(db: Database, now: datetime, days: int) -> Purged:
    """Remove message text older than `days` (the retention setting)."""
    with db.transaction() as session:
        purged = service.purge_text_before(session, now - timedelta(days=days))
    log.info(
        "retention.purged",
        days=days,
        request_texts=purged.request_texts,
        tasks=purged.tasks,
        outbox_rows=purged.outbox_rows,
    )
    return purged


def holding(db: Database, user_id: str) -> Held:
    with db.read() as session:
        return service.held(session, user_id)


def forget_person(
    db: Database,
    policy: Policy,
    *,
    actor_id: str,
    user_id: str,
    reply: Reply,
    now: datetime,
    delivery_key: str | None,
) -> Held | None:
    """Forget the person, record who asked in the audit trail (counts, never words) and answer
    the asker, in one transaction. None when this click was handled before."""
    with db.transaction() as session:
        if not claim_delivery(session, delivery_key, "action"):
            return None
        removed = service.forget(session, user_id)
        audit.record(
            session,
            actor_id=actor_id,
            action=FORGOTTEN,
            policy_version=policy.version,
            at=now,
            detail={
                "user": user_id,
                "request_texts": removed.request_texts,
                "digest_setting": removed.digest_setting,
                "away_setting": removed.away_setting,
                "delegate_for": list(removed.delegate_for),
                "outbox_rows": removed.outbox_rows,
            },
        )
        replies.ephemeral(session, reply, messages.forgotten(user_id, removed))
    log.info("privacy.forgotten", actor=actor_id, user=user_id)
    return removed
