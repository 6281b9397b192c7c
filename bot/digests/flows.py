"""A person's digest settings and their App Home, each in its own unit of work."""

from __future__ import annotations

import json
from datetime import datetime

from bot.briefs import flows as brief_flows
from bot.briefs import forms as brief_forms
from bot.briefs import service as brief_service
from bot.briefs.service import Actor
from bot.briefs.workflow import Action
from bot.digests import home, service, settings
from bot.digests.home import IntakeQueue
from bot.digests.models import UserSetting
from bot.digests.settings import BadTime, Choice
from bot.slack.deliveries import claim_delivery
from bot.slack.replies import Reply
from bot.storage.database import Database
from policies.schema import Policy

# Marks, in a modal's private_metadata, a form opened from the Home tab.
FROM, FROM_HOME = "from", "home"


def digest_setting(db: Database, policy: Policy, user_id: str, timezone: str | None) -> str:
    """`/mops digest`: how the person's digest stands."""
    with db.read() as session:
        setting = service.preference(session, user_id)
        return settings.describe(_choice(policy, setting, timezone))


def turn_digest(
    db: Database, policy: Policy, user_id: str, timezone: str | None, *, on: bool
) -> str:
    """`/mops digest on|off`."""
    with db.transaction() as session:
        setting = service.set_preference(session, user_id, enabled=on)
        return settings.describe(_choice(policy, setting, timezone))


def time_digest(
    db: Database, policy: Policy, user_id: str, timezone: str | None, typed: str
) -> str:
    """`/mops digest time 10:30`: a time the policy allows is stored and on/off stays as it was;
    anything else is answered with the reason and changes nothing."""
    try:
        at = settings.read_time(typed)
        settings.check_time(policy, at)
    except BadTime as bad:
        return f"{bad} Nothing was changed."
    with db.transaction() as session:
        setting = service.set_preference(session, user_id, at=f"{at:%H:%M}")
        return settings.describe(_choice(policy, setting, timezone), changed_time=True)


def _choice(policy: Policy, setting: UserSetting | None, timezone: str | None) -> Choice:
    return Choice(
        enabled=bool(setting and setting.digest_enabled),
        at=settings.chosen_time(policy, setting.digest_time if setting else None),
        timezone=settings.zone(timezone, policy).key,  # Slack's, else the team's
    )


def publish_home(
    db: Database,
    policy: Policy,
    actor: Actor,
    *,
    now: datetime,
    delivery_key: str | None,
    intake: IntakeQueue | None = None,
) -> bool:
    """The person opened the App Home: publish it, once per delivery."""
    with db.transaction() as session:
        if not claim_delivery(session, delivery_key, "event"):
            return False
        home.publish(session, policy, actor, now, intake=intake)
    return True


def refresh_home(
    db: Database,
    policy: Policy,
    actor: Actor,
    *,
    now: datetime,
    notice: str | None = None,
    intake: IntakeQueue | None = None,
) -> None:
    """The person's home again, after they acted on it, saying what happened at the top: a home
    tab has no place for an ephemeral answer."""
    with db.transaction() as session:
        home.publish(session, policy, actor, now, notice, intake)


def approve_from_home(
    db: Database,
    policy: Policy,
    actor: Actor,
    *,
    brief_id: int,
    version: int,
    now: datetime,
    delivery_key: str | None,
    intake: IntakeQueue | None = None,
) -> None:
    """Approve clicked on the Home tab: the thread's own flow (the same checks, the same delivery
    key, so Slack's retry does nothing twice), then the home with the outcome on top."""
    outcome = brief_flows.decide(
        db,
        policy,
        brief_id=brief_id,
        expected_version=version,
        actor=actor,
        action=Action.APPROVE,
        now=now,
        delivery_key=delivery_key,
        reply=Reply(None, actor.user_id),  # no channel: answered on the home below
    )
    if not outcome.duplicate:
        refresh_home(db, policy, actor, now=now, notice=outcome.message, intake=intake)


def opened_from_home(view: dict) -> bool:
    """A modal opened by a click on the Home tab (see `reason_form_from_home`)."""
    return brief_forms.metadata(view).get(FROM) == FROM_HOME


def reason_form_from_home(
    db: Database,
    policy: Policy,
    actor: Actor,
    *,
    brief_id: int,
    version: int,
    action: Action,
    now: datetime,
    delivery_key: str | None,
    intake: IntakeQueue | None = None,
) -> dict | None:
    """Request changes or Reject clicked on the Home tab: the thread's reason form for someone
    who may decide; anyone else gets the thread's refusal on their home, once per click."""
    with db.read() as session:
        refusal = brief_service.decision_refusal(
            session,
            policy,
            brief_id=brief_id,
            actor=actor,
            action=action,
            reason=None,  # only whether they may decide: the form asks why
            expected_version=version,
        )
    if refusal is None:
        view = brief_flows.reason_form(
            db,
            policy,
            brief_id=brief_id,
            version=version,
            actor=actor,
            action=action,
            delivery_key=delivery_key,
            reply=Reply(None, actor.user_id),
        )
        if view is not None:  # so that the home is drawn again once the reason is sent
            meta = {**brief_forms.metadata(view), FROM: FROM_HOME}
            view["private_metadata"] = json.dumps(meta)
        return view
    with db.transaction() as session:
        if claim_delivery(session, delivery_key, "action"):
            home.publish(session, policy, actor, now, refusal.message, intake)
    return None
