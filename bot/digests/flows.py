"""A person's digest settings and their App Home, each in its own unit of work."""

from __future__ import annotations

from datetime import datetime

from bot.briefs.service import Actor
from bot.digests import home, service
from bot.slack.deliveries import claim_delivery
from bot.storage.database import Database
from policies.schema import Policy


def set_preference(
    db: Database, user_id: str, *, enabled: bool | None = None, at: str | None = None
) -> None:
    """`/mops digest on|off|time HH:MM`."""
    with db.transaction() as session:
        service.set_preference(session, user_id, enabled=enabled, at=at)


def publish_home(
    db: Database, policy: Policy, actor: Actor, *, now: datetime, delivery_key: str | None
) -> bool:
    """The person opened the App Home: publish it, once per delivery."""
    with db.transaction() as session:
        if not claim_delivery(session, delivery_key, "event"):
            return False
        home.publish(session, policy, actor, now)
    return True
