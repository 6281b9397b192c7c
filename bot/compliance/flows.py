"""Marking a brief scheduled or live from Slack, and the Confirm / Cancel clicks that flagged
content asks for first, each in its own unit of work."""

from __future__ import annotations

from datetime import datetime

from bot.briefs import flows as brief_flows
from bot.briefs.service import Actor, Outcome
from bot.briefs.workflow import Action
from bot.compliance import confirmations
from bot.compliance.confirmations import Prompt, Shown
from bot.slack.replies import Reply
from bot.storage.database import Database
from policies.schema import Policy


def request_advance(
    db: Database, policy: Policy, *, brief_id: int, actor: Actor, action: Action, now: datetime
) -> Outcome:
    """`/brief schedule ID`, `/brief live ID`: done at once on clean content, asked in the
    brief's thread on flagged content."""
    return brief_flows.run(
        db,
        lambda session: confirmations.request(
            session, policy, brief_id=brief_id, actor=actor, action=action, now=now
        ),
    )


def answer(
    db: Database,
    policy: Policy,
    *,
    confirmed: bool,
    prompt: Prompt,
    actor: Actor,
    now: datetime,
    delivery_key: str | None,
    shown: Shown | None,
    reply: Reply,
) -> Outcome:
    """A click on Confirm (`confirmed`) or Cancel under a request on flagged content."""
    decide = confirmations.confirm if confirmed else confirmations.decline
    return brief_flows.run(
        db,
        lambda session: decide(
            session,
            policy,
            prompt=prompt,
            actor=actor,
            now=now,
            delivery_key=delivery_key,
            shown=shown,
        ),
        reply,
    )
