"""What people do with intake requests from Slack, each in its own unit of work."""

from __future__ import annotations

from datetime import datetime

from bot.briefs import forms
from bot.briefs.service import Actor
from bot.intake import service
from bot.intake.models import IntakeRequest
from bot.slack import replies
from bot.slack.replies import Reply
from bot.slack.text import NO_NAMES, Names, readable
from bot.storage.database import Database
from policies.intake_schema import IntakeTaxonomy
from policies.schema import Policy


def receive(
    db: Database,
    *,
    channel_id: str,
    ts: str,
    user_id: str,
    text: str,
    delivery_key: str | None,
    now: datetime,
) -> None:
    """A new message in an intake channel: stored, and queued to be classified."""
    with db.transaction() as session:
        service.receive(
            session,
            channel_id=channel_id,
            ts=ts,
            user_id=user_id,
            text=text,
            delivery_key=delivery_key,
            now=now,
        )


def label(
    db: Database,
    policy: Policy,
    routes: IntakeTaxonomy,
    *,
    request_id: int,
    actor: Actor,
    label: str,
    delivery_key: str | None,
    now: datetime,
    reply: Reply,
) -> service.Answer:
    """A person names the label (a pick, or the relabel modal); they are told what became of it."""
    with db.transaction() as session:
        answer = service.confirm(
            session,
            policy,
            routes,
            request_id=request_id,
            user_id=actor.user_id,
            user_groups=set(actor.group_ids),
            label=label,
            delivery_key=delivery_key,
            now=now,
        )
        if not answer.duplicate:
            replies.ephemeral(session, reply, answer.message)
    return answer


def brief_form(
    db: Database,
    policy: Policy,
    *,
    request_id: int,
    channel_id: str | None,
    names: Names = NO_NAMES,
) -> dict:
    """The brief form, filled in from the request's text as the requester sees it (a form's
    inputs are plain text: no entities, names instead of ids)."""
    with db.read() as session:
        request = session.get(IntakeRequest, request_id)
        text = readable(request.text, names) if request else ""
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    initial = {"title": first_line[:80], "objective": text[:2000]}
    return forms.brief_form(
        policy, channel_id=policy.channels.briefs or channel_id or "", initial=initial
    )
