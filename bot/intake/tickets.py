"""Intake requests as tickets: claimed by the person who takes the work, marked done when it is,
linked to the brief opened from it; the open queue for @triage and the ops admins.

Each change updates the request's message in place (its buttons follow the status) and says
what happened in the request's thread, where the requester follows it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from bot.briefs.service import Actor
from bot.intake import messages, roles
from bot.intake.models import IntakeRequest, IntakeStatus, TicketStatus
from bot.intake.service import Answer, lock, record_event, route
from bot.slack.blocks import escape, local_time
from bot.slack.deliveries import claim_delivery
from bot.slack.text import NO_NAMES, Names
from policies.intake_schema import OUT_OF_SCOPE, IntakeTaxonomy
from policies.schema import Policy

QUEUE_SHOWN = 20  # `/mops intake` lists this many; the rest are counted


def _open_filter() -> tuple[ColumnElement[bool], ...]:
    """Requests someone still has to do something about: a label to pick, or work to do."""
    return (
        IntakeRequest.status.in_([IntakeStatus.AWAITING_CONFIRMATION, IntakeStatus.ROUTED]),
        IntakeRequest.ticket_status != TicketStatus.DONE,
        or_(IntakeRequest.label.is_(None), IntakeRequest.label != OUT_OF_SCOPE),
    )


def open_requests(session: Session, *, limit: int = QUEUE_SHOWN) -> list[IntakeRequest]:
    """The open queue, most pressing first: urgent, then waiting for a label, then unclaimed,
    then claimed; oldest first within each."""
    waiting_for_label = IntakeRequest.status == IntakeStatus.AWAITING_CONFIRMATION
    order = case(
        (waiting_for_label, 0), (IntakeRequest.ticket_status == TicketStatus.NEW, 1), else_=2
    )
    return list(
        session.scalars(
            select(IntakeRequest)
            .where(*_open_filter())
            .order_by(IntakeRequest.urgent.desc(), order, IntakeRequest.received_at)
            .limit(limit)
        )
    )


def count_open(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(IntakeRequest).where(*_open_filter())) or 0
    )


def requests_of(session: Session, user_id: str, *, limit: int = 10) -> list[IntakeRequest]:
    """A requester's own requests, newest first (done ones too: they show how it ended)."""
    return list(
        session.scalars(
            select(IntakeRequest)
            .where(IntakeRequest.user_id == user_id)
            .order_by(IntakeRequest.received_at.desc(), IntakeRequest.id.desc())
            .limit(limit)
        )
    )


def queue_line(
    policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest, names: Names = NO_NAMES
) -> str:
    """One request in a list (the queue, the App Home): number, label and owner, status, who
    asked and when, and the start of its text."""
    urgent = ":rotating_light: " if request.urgent else ""
    if request.label is None:
        what = "waiting for a label"  # its status, so not said twice
    else:
        owner = messages.owner_of(policy, routes, request.label, mention=False)
        label = messages.label_name(request.label, routes)
        what = f"*{label}* for {owner} · {messages.status_words(request)}"
    snippet = escape(messages.snippet(request.text, names))
    return (
        f"• {urgent}#{request.id} {what} · "
        f"<@{request.user_id}> in <#{request.channel_id}>, {local_time(request.received_at)}:"
        f" “{snippet}”"
    )


def queue_text(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    actor: Actor,
    names: Names = NO_NAMES,
) -> str:
    """`/mops intake`: the open queue, for @triage and the ops admins."""
    if not roles.may_see_queue(policy, actor.user_id, set(actor.group_ids)):
        return f"Only {roles.who_may_see_queue(policy)} can see the intake queue."
    shown = open_requests(session)
    if not shown:
        return "No open intake requests: every request is labelled, and nothing waits to be done."
    total = count_open(session)
    lines = [f"*Open intake requests* ({total})"]
    lines += [queue_line(policy, routes, request, names) for request in shown]
    if total > len(shown):
        lines.append(f"…and {total - len(shown)} more, oldest first after these.")
    lines.append("Claim or finish one with the buttons in its thread.")
    return "\n".join(lines)


# -- claim, done ------------------------------------------------------------------------------


def claim(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    *,
    request_id: int,
    actor: Actor,
    delivery_key: str | None,
    now: datetime,
) -> Answer:
    """Someone of the owning team (or @triage, an ops admin) takes the work."""
    if not claim_delivery(session, delivery_key, "action"):
        return Answer(False, "Already handled.", duplicate=True)
    request = lock(session, request_id)
    refusal = _work_refusal(policy, routes, request, actor)
    if refusal is not None or request is None:
        return Answer(False, refusal or "That request is gone.")
    if request.ticket_status == TicketStatus.CLAIMED:
        if request.claimed_by == actor.user_id:
            return Answer(False, f"You have already claimed request #{request.id}.")
        return Answer(False, f"<@{request.claimed_by}> has already claimed request #{request.id}.")
    request.ticket_status = TicketStatus.CLAIMED
    request.claimed_by, request.claimed_at = actor.user_id, now
    record_event(session, policy, request, "intake_claimed", actor_id=actor.user_id, now=now)
    messages.update_route(session, policy, routes, request)
    messages.post_progress(session, request, f"<@{actor.user_id}> claimed this and is on it.")
    return Answer(
        True, f"You claimed request #{request.id}. Press *Done* in its thread when it is."
    )


def finish(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    *,
    request_id: int,
    actor: Actor,
    delivery_key: str | None,
    now: datetime,
) -> Answer:
    """The work is done: by whoever claimed it, the owning team, @triage, an ops admin, or the
    requester closing their own request."""
    if not claim_delivery(session, delivery_key, "action"):
        return Answer(False, "Already handled.", duplicate=True)
    request = lock(session, request_id)
    mine = request is not None and actor.user_id in (request.user_id, request.claimed_by)
    refusal = None if mine else _work_refusal(policy, routes, request, actor)
    if refusal is not None or request is None:
        return Answer(False, refusal or "That request is gone.")
    refusal = _not_workable(request)
    if refusal is not None:
        return Answer(False, refusal)
    request.ticket_status = TicketStatus.DONE
    request.done_by, request.done_at = actor.user_id, now
    record_event(session, policy, request, "intake_done", actor_id=actor.user_id, now=now)
    messages.update_route(session, policy, routes, request)
    messages.post_progress(
        session, request, f"<@{actor.user_id}> marked request #{request.id} as done."
    )
    return Answer(True, f"Request #{request.id} is done.")


def not_helped(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    *,
    request_id: int,
    actor: Actor,
    delivery_key: str | None,
    now: datetime,
) -> Answer:
    """ "This didn't help" under a saved reply: the request goes to the owner group as new work,
    the way the bot routes a request it is sure about. The requester, the owner group, @triage
    and the ops admins may press it; once is enough."""
    if not claim_delivery(session, delivery_key, "action"):
        return Answer(False, "Already handled.", duplicate=True)
    request = lock(session, request_id)
    if request is None:
        return Answer(False, "That request is gone.")
    if request.withdrawn_at is not None:
        return Answer(False, messages.withdrawn_words(request))
    if not roles.may_label(policy, routes, request, actor.user_id, set(actor.group_ids)):
        return Answer(
            False,
            f"Only {roles.who_may_label(policy, routes, request)} can pass request "
            f"#{request.id} on to a person.",
        )
    if request.reply_version is None or request.label not in routes.labels:
        return Answer(False, f"Request #{request.id} was not answered with a saved reply.")
    owner = messages.owner_of(policy, routes, request.label, mention=False)
    if request.not_helped_at is not None:
        return Answer(
            False, f"<@{request.not_helped_by}> already passed request #{request.id} on to {owner}."
        )
    request.not_helped_by, request.not_helped_at = actor.user_id, now
    reply = routes.labels[request.label].reply
    text = reply.text if reply is not None else ""
    messages.retire_current(
        session, request, messages.deflection_retired(request, text, actor.user_id, owner)
    )
    record_event(
        session,
        policy,
        request,
        "intake_not_helped",
        actor_id=actor.user_id,
        now=now,
        label=request.label,
        reply_version=request.reply_version,
    )
    route(session, policy, routes, request, label=request.label, by=actor.user_id, now=now)
    return Answer(True, f"Thanks: I've passed request #{request.id} on to {owner}.")


def deflection_lines(session: Session, *, since: datetime) -> list[str]:
    """`/mops stats`: how many requests the bot answered with a saved reply, and how many of
    those someone said didn't help."""
    received = (
        select(func.count())
        .select_from(IntakeRequest)
        .where(IntakeRequest.classified_at >= since, IntakeRequest.classified_at.is_not(None))
    )
    total = session.scalar(received) or 0
    answered = session.scalar(received.where(IntakeRequest.reply_version.is_not(None))) or 0
    unhelpful = session.scalar(received.where(IntakeRequest.not_helped_at.is_not(None))) or 0
    if not total:
        return []
    line = (
        f"*Intake*: {total} sorted, {answered} answered with a saved reply ({answered / total:.0%})"
    )
    if answered:
        line += (
            f"; {unhelpful} of those didn't help ({unhelpful / answered:.0%}) and went to a person"
        )
    return [line + "."]


def link_brief(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    *,
    request_id: int,
    brief_id: int,
    by: str,
    now: datetime,
) -> None:
    """A brief was opened from the request: remembered, and said in the request's thread."""
    request = lock(session, request_id)
    if request is None:
        return
    request.brief_id = brief_id
    record_event(
        session, policy, request, "intake_brief_opened", actor_id=by, now=now, brief=brief_id
    )
    messages.update_route(session, policy, routes, request)
    messages.post_progress(session, request, f"Brief #{brief_id} opened by <@{by}>.")


def brief_refusal(request: IntakeRequest | None) -> str | None:
    """Why no brief should be opened from this request now, or None."""
    if request is None:
        return "That request is gone."
    if request.withdrawn_at is not None:
        return messages.withdrawn_words(request)
    if request.brief_id is not None:
        return f"Brief #{request.brief_id} was already opened for request #{request.id}."
    return None


def _work_refusal(
    policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest | None, actor: Actor
) -> str | None:
    if request is None:
        return "That request is gone."
    if not roles.may_work(policy, routes, request, actor.user_id, set(actor.group_ids)):
        return (
            f"Only {roles.who_may_work(policy, routes, request)} can work on request #{request.id}."
        )
    return _not_workable(request)


def _not_workable(request: IntakeRequest) -> str | None:
    if request.withdrawn_at is not None:
        return messages.withdrawn_words(request)
    if request.status != IntakeStatus.ROUTED or request.label is None:
        return f"Request #{request.id} needs a label first."
    if request.label == OUT_OF_SCOPE:
        return f"Request #{request.id} is not a marketing request; there is nothing to do."
    if request.ticket_status == TicketStatus.DONE:
        return f"Request #{request.id} is already done."
    return None
