"""Idempotency at the door: each incoming Slack delivery is acted on once.

The key is recorded in the same transaction as the delivery's effects; a redelivery (Slack's
retries, a double click) finds the key taken and does nothing.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from bot.core import metrics
from bot.core.clock import utcnow
from bot.storage.base import UtcDateTime
from bot.storage.database import Database, storage_failure

# Written as text, not with the dialects' insert(): SQLAlchemy does not cache the SQL compiled
# from those constructs, and compiling it again took most of the time of every click's ack.
# SQLite (3.35+) and PostgreSQL both speak this upsert with RETURNING.
_CLAIM = text(
    "INSERT INTO handled_deliveries (key, kind, handled_at) VALUES (:key, :kind, :handled_at) "
    "ON CONFLICT (key) DO NOTHING RETURNING key"
).bindparams(bindparam("handled_at", type_=UtcDateTime()))


KEY_LENGTH = 255  # handled_deliveries.key


def claim_delivery(session: Session, key: str | None, kind: str) -> bool:
    """Record `key` as handled; False when it already was (then do nothing).

    One INSERT ... ON CONFLICT DO NOTHING: on PostgreSQL a concurrent claim of the same key
    waits for the first transaction and then finds the conflict, so exactly one wins.
    """
    if key is None:
        return True
    if len(key) > KEY_LENGTH:  # a forged action_id or event id; its digest is as unique
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    claimed = session.execute(_CLAIM, {"key": key, "kind": kind, "handled_at": utcnow()})
    if claimed.first() is None:
        metrics.seen_before()
        return False
    return True


def first_delivery(db: Database, key: str | None, kind: str) -> bool:
    """Claim `key` in a transaction of its own: for an effect outside the database that must
    happen once per delivery (opening a modal: Slack's copies of one click carry one trigger
    id, which opens one modal and then answers `expired_trigger_id`)."""
    if key is None:
        return True
    with db.transaction() as session:
        return claim_delivery(session, key, kind)


def event_key(body: dict) -> str | None:
    event_id = body.get("event_id")
    return f"event:{event_id}" if event_id else None


def action_key(body: dict) -> str | None:
    """action_ts with the user and action id: a second delivery of the same click has the same key."""
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    user = (body.get("user") or {}).get("id", "")
    return f"action:{user}:{action.get('action_id')}:{action.get('action_ts')}"


def view_key(body: dict) -> str | None:
    view = body.get("view") or {}
    if not view.get("id"):
        return None
    return f"view:{view['id']}:{view.get('hash', '')}"


def not_stored(error: BaseException) -> str | None:
    """Why a delivery's effects could not be stored (the database locked, full, unreachable, a
    connection cut), in words; None when `error` is something else. Its transaction rolled back,
    its key with it: a retry of the delivery is handled as new."""
    return storage_failure(error)
