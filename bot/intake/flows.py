"""What people do with intake requests from Slack, each in its own unit of work."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.briefs import forms
from bot.briefs import service as briefs
from bot.briefs.flows import run
from bot.briefs.service import Actor, FormErrors, Outcome
from bot.intake import edits, messages, service, tickets, withdrawal
from bot.intake.forms import relabel_form
from bot.intake.service import Answer
from bot.slack import replies
from bot.slack.actions import ViewId, metadata_id
from bot.slack.replies import Reply
from bot.slack.text import NO_NAMES, Names, clip, first_line, readable
from bot.storage.database import Database
from policies.intake_schema import IntakeTaxonomy
from policies.schema import Policy

TITLE_LENGTH = 80  # a brief's title from a request's first line, cut between words
OBJECTIVE_LENGTH = 2000


def receive(
    db: Database,
    *,
    channel_id: str,
    ts: str,
    user_id: str,
    text: str,
    delivery_key: str | None,
    now: datetime,
    model_ready: bool = True,
) -> None:
    """A new message in an intake channel: stored, and queued to be classified. When the model
    is not loaded yet (the first request after a start), the requester hears at once that the
    answer will take a minute, rather than nothing for twenty seconds."""
    with db.transaction() as session:
        request = service.receive(
            session,
            channel_id=channel_id,
            ts=ts,
            user_id=user_id,
            text=text,
            delivery_key=delivery_key,
            now=now,
        )
        if request is not None and not model_ready:
            messages.post_received(session, request)


def _answered(db: Database, reply: Reply, work: Callable[[Session], Answer]) -> Answer:
    """One click's unit of work; the person is told the outcome in the same transaction."""
    with db.transaction() as session:
        answer = work(session)
        if not answer.duplicate:
            replies.ephemeral(session, reply, answer.message)
    return answer


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
) -> Answer:
    """A person names the label (a pick, or the label modal); they are told what became of it."""
    return _answered(
        db,
        reply,
        lambda session: service.confirm(
            session,
            policy,
            routes,
            request_id=request_id,
            actor=actor,
            label=label,
            delivery_key=delivery_key,
            now=now,
        ),
    )


def label_form(
    db: Database,
    policy: Policy,
    routes: IntakeTaxonomy,
    *,
    request_id: int,
    actor: Actor,
    reply: Reply,
    delivery_key: str | None,
) -> dict | None:
    """The label modal, for those who may label; anyone else is told why not, before typing."""
    with db.read() as session:
        refusal = service.label_refusal(policy, routes, service.find(session, request_id), actor)
    if refusal is not None:
        replies.tell(db, reply, refusal, delivery_key=delivery_key)
        return None
    return relabel_form(routes, request_id=request_id, channel=reply.channel)


class TicketAction(Protocol):
    def __call__(
        self,
        session: Session,
        policy: Policy,
        routes: IntakeTaxonomy,
        *,
        request_id: int,
        actor: Actor,
        delivery_key: str | None,
        now: datetime,
    ) -> Answer: ...


# The buttons on a request's message that act on its ticket, all with the same arguments.
TICKET_ACTIONS: dict[str, TicketAction] = {
    "claim": tickets.claim,
    "done": tickets.finish,
    "not_helped": tickets.not_helped,
}


def ticket_action(
    db: Database,
    policy: Policy,
    routes: IntakeTaxonomy,
    action: str,
    *,
    request_id: int,
    actor: Actor,
    delivery_key: str | None,
    now: datetime,
    reply: Reply,
) -> Answer:
    """Claim, Done or This didn't help: one unit of work, the clicker told the outcome."""
    work = TICKET_ACTIONS[action]
    return _answered(
        db,
        reply,
        lambda session: work(
            session,
            policy,
            routes,
            request_id=request_id,
            actor=actor,
            delivery_key=delivery_key,
            now=now,
        ),
    )


def withdraw(
    db: Database,
    policy: Policy,
    *,
    channel_id: str,
    ts: str,
    now: datetime,
) -> None:
    """A request's message was deleted in Slack: the request closes (bot.intake.withdrawal).
    A second delivery of the event finds it closed and changes nothing."""
    with db.transaction() as session:
        withdrawal.withdraw(session, policy, channel_id=channel_id, ts=ts, now=now)


def edit(
    db: Database, policy: Policy, *, channel_id: str, ts: str, text: str, now: datetime
) -> None:
    """A request's message was edited in Slack (bot.intake.edits)."""
    with db.transaction() as session:
        edits.apply_edit(session, policy, channel_id=channel_id, ts=ts, text=text, now=now)


def deflection_lines(db: Database, *, now: datetime, days: int) -> list[str]:
    with db.transaction() as session:
        return tickets.deflection_lines(session, since=now - timedelta(days=days))


def queue(
    db: Database, policy: Policy, routes: IntakeTaxonomy, actor: Actor, names: Names = NO_NAMES
) -> str:
    """`/mops intake`: the open queue."""
    with db.read() as session:
        return tickets.queue_text(session, policy, routes, actor, names)


# -- a brief from a request ---------------------------------------------------------------------


def brief_form(
    db: Database,
    policy: Policy,
    *,
    request_id: int,
    reply: Reply,
    delivery_key: str | None,
    names: Names = NO_NAMES,
) -> dict | None:
    """The brief form, filled in from the request's text as the requester sees it (a form's
    inputs are plain text: no entities, names instead of ids), and remembering which request it
    came from so the brief is linked to it; None (and the person told why) when there is no
    request or a brief was already opened from it."""
    with db.read() as session:
        request = service.find(session, request_id)
        refusal = tickets.brief_refusal(request)
        text = readable(request.text, names) if request else ""
    if refusal is not None:
        replies.tell(db, reply, refusal, delivery_key=delivery_key)
        return None
    initial = {
        "title": clip(first_line(text), TITLE_LENGTH),  # between words, not mid-word
        "objective": clip(text, OBJECTIVE_LENGTH, one_line=False),
    }
    view = forms.brief_form(
        policy, channel_id=policy.channels.briefs or reply.channel or "", initial=initial
    )
    metadata = {**forms.metadata(view), "intake_request": request_id}
    return {**view, "callback_id": ViewId.INTAKE_BRIEF, "private_metadata": json.dumps(metadata)}


def brief_request(view: dict) -> int:
    """Which intake request a submitted brief form came from (0: none)."""
    return metadata_id(forms.metadata(view).get("intake_request")) or 0


def open_brief(
    db: Database,
    policy: Policy,
    routes: IntakeTaxonomy,
    *,
    request_id: int,
    requester_id: str,
    channel_id: str | None,
    values: dict[str, Any],
    now: datetime,
    delivery_key: str | None,
) -> Outcome | FormErrors:
    """The brief form opened from a request, submitted: the brief, and in the same transaction
    its link to the request and the line in the request's thread."""

    def work(session: Session) -> Outcome | FormErrors:
        outcome = briefs.create(
            session,
            policy,
            requester_id=requester_id,
            channel_id=channel_id or "",
            values=values,
            now=now,
            delivery_key=delivery_key,
        )
        if isinstance(outcome, Outcome) and outcome.ok and outcome.brief_id is not None:
            tickets.link_brief(
                session,
                policy,
                routes,
                request_id=request_id,
                brief_id=outcome.brief_id,
                by=requester_id,
                now=now,
            )
        return outcome

    return run(db, work, Reply(channel_id, requester_id))
