"""Units of work for the retention purge and `/mops forget`: they open the transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.audit import service as audit
from bot.core.logs import get_logger
from bot.privacy import corrections, messages, service
from bot.privacy.service import Held, Purged
from bot.slack import replies
from bot.slack.deliveries import claim_delivery
from bot.slack.replies import Reply
from bot.storage.database import Database
from policies.schema import Policy

log = get_logger(__name__)
FORGOTTEN = "person_forgotten"  # the audit action


def _dirs(model_dir: Path | None) -> list[Path]:
    return corrections.model_dirs(model_dir) if model_dir is not None else []


def purge(db: Database, now: datetime, days: int, model_dir: Path | None = None) -> Purged:
    """Remove message text older than `days` (the retention setting), and the intake model's
    copies of the requests' words in `model_dir` and its siblings (bot.privacy.corrections).
    When the files can't be written nothing is removed (the next run tries again)."""
    try:
        with db.transaction() as session:
            purged = service.purge_text_before(session, now - timedelta(days=days))
            # The files are rewritten just before the commit: if the commit fails, the words
            # are gone from the files and still in the database, and the next run removes them
            # there; the other order could leave them in the files with nothing to find them by.
            purged = replace(purged, corrections=corrections.remove(_dirs(model_dir), purged.words))
    except OSError as problem:
        log.warning("retention.files_unwritable", days=days, error=type(problem).__name__)
        return Purged()
    log.info(
        "retention.purged",
        days=days,
        request_texts=purged.request_texts,
        tasks=purged.tasks,
        outbox_rows=purged.outbox_rows,
        blocked_reasons=purged.blocked_reasons,
        assets=purged.assets,
        variants=purged.variants,
        corrections=purged.corrections,
    )
    return purged


def holding(db: Database, user_id: str, model_dir: Path | None = None) -> Held:
    with db.read() as session:
        held = service.held(session, user_id)
    return replace(held, corrections=corrections.count(_dirs(model_dir), held.words))


def forget_person(
    db: Database,
    policy: Policy,
    *,
    actor_id: str,
    user_id: str,
    reply: Reply,
    now: datetime,
    delivery_key: str | None,
    model_dir: Path | None = None,
) -> Held | None:
    """Forget the person, record who asked in the audit trail (counts, never words) and answer
    the asker, in one transaction. None when this click was handled before, or when the intake
    model's files could not be written (then nothing was removed, and the asker is told)."""
    try:
        with db.transaction() as session:
            if not claim_delivery(session, delivery_key, "action"):
                return None
            removed = service.forget(session, user_id)
            # Before the commit, as the purge does (see there).
            removed = replace(
                removed, corrections=corrections.remove(_dirs(model_dir), removed.words)
            )
            audit.record(
                session,
                actor_id=actor_id,
                action=FORGOTTEN,
                policy_version=policy.version,
                at=now,
                detail={"user": user_id, **removed.counts()},
            )
            replies.ephemeral(session, reply, messages.forgotten(user_id, removed))
    except OSError as problem:
        # The click is not claimed: the transaction rolled back, so pressing again retries.
        log.warning("privacy.files_unwritable", actor=actor_id, error=type(problem).__name__)
        replies.tell(db, reply, messages.FILES_UNWRITABLE)
        return None
    log.info("privacy.forgotten", actor=actor_id, user=user_id)
    return removed
