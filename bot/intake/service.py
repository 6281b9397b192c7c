"""Intake triage: store each request at once, classify it after the ack, route it or ask a person.

A message in an intake channel becomes a row and a task in the transaction that acks it; the
task worker classifies it with the local model (a restart loses nothing: the row is still there).
When the model is sure, the bot routes; when it is not (low confidence, a close call, out of
scope), it asks in the thread, and the answer is stored as a labelled example for retraining.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.briefs.service import Actor
from bot.intake import messages, roles
from bot.intake.models import IntakeRequest, IntakeStatus, TicketStatus
from bot.slack.blocks import escape, fit
from bot.slack.deliveries import claim_delivery
from bot.slack.text import NO_NAMES, Names, readable
from bot.tasks.models import Task, TaskStatus
from bot.tasks.service import enqueue_task
from policies.intake_schema import OUT_OF_SCOPE, IntakeTaxonomy
from policies.schema import Policy

CLASSIFY_TASK = "intake.classify"
BOT_ACTOR = "mopsbot"  # the audit trail's actor when the bot decided on its own
UNANSWERED_SHOWN = 10  # in the digest; the rest are counted as "+"


class Classifier(Protocol):
    version: str
    labels: list[str]

    @property
    def threshold(self) -> float: ...

    def classify(self, text: str, threshold: float | None, margin: float | None) -> Any: ...


@dataclass(frozen=True)
class Answer:
    ok: bool
    message: str
    duplicate: bool = False


# What a mention of the bot says when it asks for help rather than makes a request.
HELP_QUESTIONS = {"what can you do", "what do you do", "how does this work", "how do i use this"}
MENTION = re.compile(r"<@(?P<user>[A-Z0-9]+)(?:\|[^>]*)?>")


def is_help_mention(text: str, bot_user_id: str | None) -> bool:
    """`@mopsbot help`, `@mopsbot hi`, `@mopsbot what can you do?`: the bot is addressed and
    the rest is too short to be a request (a request needs more than three words)."""
    if not bot_user_id or not any(m["user"] == bot_user_id for m in MENTION.finditer(text)):
        return False
    rest = " ".join(re.findall(r"[a-z0-9']+", MENTION.sub(" ", text).lower()))
    return len(rest.split()) <= 3 or rest in HELP_QUESTIONS


def is_new_request(event: dict, intake_channels: set[str], bot_user_id: str | None = None) -> bool:
    """Only a person's top-level message in an intake channel; not edits, bots, thread replies,
    or a mention of the bot that asks for help (the mention's answer is help)."""
    text = event.get("text") or ""
    return (
        event.get("type") == "message"
        and event.get("channel") in intake_channels
        and not event.get("subtype")
        and not event.get("bot_id")
        and (not event.get("thread_ts") or event.get("thread_ts") == event.get("ts"))
        and bool(text.strip())
        and bool(event.get("user"))
        and not is_help_mention(text, bot_user_id)
    )


def receive(
    session: Session,
    *,
    channel_id: str,
    ts: str,
    user_id: str,
    text: str,
    delivery_key: str | None,
    now: datetime,
) -> IntakeRequest | None:
    if not claim_delivery(session, delivery_key, "event"):
        return None
    request = IntakeRequest(
        channel_id=channel_id,
        ts=ts,
        user_id=user_id,
        text=fit(text, 4000),  # as Slack sent it (ids, entities); a cut splits no token
        status=IntakeStatus.RECEIVED,
        urgent=False,
        corrected=False,
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        return None  # the same message arrived under another event id
    classify_later(session, request, now)
    return request


@dataclass(frozen=True)
class Verdict:
    """What the model and the compliance rules say about one request, before anything is stored."""

    result: Any  # the model's Classification
    model_version: str
    regulated: tuple[str, ...] = ()  # compliance categories found: a person confirms the route
    rules_version: str | None = None  # the compliance rules that found them
    reviewers: tuple[str, ...] = ()  # who must review it before publishing (legal), per the rules
    threshold: float = 0.6  # the confidence it was judged at (the policy's, else the model's)


def judge(policy: Policy, model: Classifier, text: str) -> Verdict:
    """The slow, read-only part of the classify task: run outside any transaction; the
    worker then stores it with `apply_verdict`."""
    from bot.compliance.service import needs_human, reviewers_for
    from policies.compliance import ComplianceRulesError

    threshold = policy.intake.confidence_threshold
    result = model.classify(text, threshold=threshold, margin=policy.intake.margin)
    try:
        findings = needs_human(policy, text)
        regulated = tuple(sorted(findings.categories)) if findings else ()
        rules_version = findings.rules_version if findings else None
        reviewers = tuple(reviewers_for(policy, findings)) if findings else ()
    except ComplianceRulesError:  # rules we can't read can't clear anything: ask a person
        regulated, rules_version = (messages.UNREADABLE_RULES,), None
        reviewers = tuple(reviewers_for(policy, None))
    used = model.threshold if threshold is None else threshold
    return Verdict(result, model.version, regulated, rules_version, reviewers, used)


def apply_verdict(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    request_id: int,
    verdict: Verdict,
    now: datetime,
) -> None:
    """Store the decision and route the request, or ask a person when unsure or regulated.

    Chatter the model is sure about ("lunch anyone?") pages nobody: the thread says so, and the
    requester can still call it a request."""
    request = lock(session, request_id)
    if request is None or request.status != IntakeStatus.RECEIVED:
        return  # already classified (a retried task), or gone
    result = verdict.result
    request.model_version = verdict.model_version
    request.predicted_label = result.label
    request.confidence = float(result.confidence)
    request.top3 = [[label, float(p)] for label, p in result.top3]
    request.reason = (
        "regulated" if verdict.regulated and not result.needs_confirmation else result.reason
    )
    request.urgent = bool(result.urgent)
    request.classified_at = now
    request.regulated = list(verdict.regulated) or None
    request.reviewers = list(verdict.reviewers) or None
    chatter = (
        result.label is None
        and result.reason == "out_of_scope"
        and result.confidence >= verdict.threshold
    )
    if verdict.regulated:
        # The bot would have routed this on its own; the trail shows it waited, and why.
        record_event(
            session,
            policy,
            request,
            "intake_held",
            actor_id=BOT_ACTOR,
            now=now,
            categories=list(verdict.regulated),
            rules_version=verdict.rules_version,
            reviewers=list(verdict.reviewers),
        )
    if chatter and not verdict.regulated:
        route(session, policy, routes, request, label=OUT_OF_SCOPE, by=None, now=now)
    elif result.needs_confirmation or result.label is None or verdict.regulated:
        request.status = IntakeStatus.AWAITING_CONFIRMATION
        messages.post_question(session, policy, routes, request, verdict.regulated)
    elif deflects(routes, result.label, urgent=request.urgent, regulated=verdict.regulated):
        deflect(session, policy, routes, request, now=now)
    else:
        route(session, policy, routes, request, label=result.label, by=None, now=now)


def deflects(
    routes: IntakeTaxonomy, label: str | None, *, urgent: bool, regulated: tuple[str, ...]
) -> bool:
    """Whether the bot answers a request it is sure about with the label's pre-approved reply:
    only a label that has one, and never an urgent request or one the compliance rules flag
    (those go to a person)."""
    return label in routes.replies() and not urgent and not regulated


def deflect(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    request: IntakeRequest,
    *,
    now: datetime,
) -> None:
    """Answer with the label's reply: the request is done unless the requester says it didn't
    help, which routes it to the owner group (tickets.not_helped)."""
    label = request.predicted_label
    assert label is not None
    reply = routes.replies()[label]
    request.label = label
    request.status = IntakeStatus.ROUTED
    request.decided_at = now
    request.ticket_status = TicketStatus.DONE
    request.done_by, request.done_at = None, now
    request.reply_version = reply.version
    record_event(
        session,
        policy,
        request,
        "intake_deflected",
        actor_id=BOT_ACTOR,
        now=now,
        label=label,
        reply_version=reply.version,
        confidence=request.confidence,
    )
    messages.post_deflection(session, policy, routes, request, reply.text)


def label_refusal(
    policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest | None, actor: Actor
) -> str | None:
    """Why `actor` may not name this request's label, or None when they may: asked before the
    label modal opens, and again when it is submitted."""
    if request is None:
        return "That request is gone."
    if request.withdrawn_at is not None:
        return messages.withdrawn_words(request)
    if not roles.may_label(policy, routes, request, actor.user_id, set(actor.group_ids)):
        return f"Only {roles.who_may_label(policy, routes, request)} can label this request."
    if request.ticket_status == TicketStatus.DONE and request.label != OUT_OF_SCOPE:
        return f"Request #{request.id} is done, so its label stays *{messages.label_name(request.label, routes)}*."
    return None


def lock_posted(session: Session, channel_id: str, ts: str) -> IntakeRequest | None:
    """The request posted as the message at (channel_id, ts), locked as `lock` locks it: what
    Slack's events about that message (an edit, a deletion) name."""
    return session.scalar(
        select(IntakeRequest)
        .where(IntakeRequest.channel_id == channel_id, IntakeRequest.ts == ts)
        .with_for_update()
    )


def find(session: Session, request_id: int) -> IntakeRequest | None:
    return session.get(IntakeRequest, request_id)


def lock(session: Session, request_id: int) -> IntakeRequest | None:
    """The request, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite has one writer
    anyway): two people clicking at once act one after the other, on what the first left."""
    return session.get(IntakeRequest, request_id, with_for_update=True, populate_existing=True)


def confirm(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    *,
    request_id: int,
    actor: Actor,
    label: str,
    delivery_key: str | None,
    now: datetime,
) -> Answer:
    """A person names the label (a pick, or the label modal). The same label again changes
    nothing and pages nobody; a new one retires the old message's buttons and routes anew."""
    if not claim_delivery(session, delivery_key, "action"):
        return Answer(False, "Already handled.", duplicate=True)
    request = lock(session, request_id)
    refusal = label_refusal(policy, routes, request, actor)
    if refusal is not None or request is None:
        return Answer(False, refusal or "That request is gone.")
    if label != OUT_OF_SCOPE and label not in routes.labels:
        return Answer(False, f"I don't know the label `{escape(label)}`.")
    name = messages.label_name(label, routes)
    if request.status == IntakeStatus.ROUTED and request.label == label:
        if request.confirmed_by is None:  # the model's label, now confirmed: a training example
            request.confirmed_by = actor.user_id
        return Answer(
            False, f"It's already labelled *{name}*; nothing changed and nobody was paged again."
        )
    who = f"<@{actor.user_id}>"
    if request.status == IntakeStatus.ROUTED:
        messages.retire_current(
            session,
            request,
            f"Was *{messages.label_name(request.label, routes)}*; {who} relabelled it *{name}* (below).",
        )
    else:
        messages.retire_current(session, request, f"{who} labelled this *{name}*.")
    request.confirmed_by = actor.user_id
    request.corrected = label != request.predicted_label
    route(session, policy, routes, request, label=label, by=actor.user_id, now=now)
    return Answer(True, f"Thanks: labelled *{name}*.")


def labelled_examples(session: Session) -> list[tuple[str, str]]:
    """What people confirmed or corrected: training data for `mopsbot intake retrain`."""
    rows = session.execute(
        select(IntakeRequest.text, IntakeRequest.label).where(
            IntakeRequest.confirmed_by.is_not(None),
            IntakeRequest.label.is_not(None),
            IntakeRequest.text != "",  # words removed (retention, /mops forget) teach nothing
        )
    )
    return [(text, label) for text, label in rows]


def unanswered(session: Session, limit: int = UNANSWERED_SHOWN) -> list[IntakeRequest]:
    return list(
        session.scalars(
            select(IntakeRequest)
            .where(IntakeRequest.status == IntakeStatus.AWAITING_CONFIRMATION)
            .order_by(IntakeRequest.urgent.desc(), IntakeRequest.received_at)
            .limit(limit)
        )
    )


def digest_lines(
    session: Session, policy: Policy, now: datetime, names: Names = NO_NAMES
) -> list[str]:
    """The channel digest's section: intake questions nobody has answered yet, urgent first.
    Each quotes its request as people read it: decoded, cut, then escaped."""
    waiting = unanswered(session)
    if not waiting:
        return []
    lines = [
        f"*Intake requests waiting for a label* ({len(waiting)}{'+' if len(waiting) == UNANSWERED_SHOWN else ''})"
    ]
    for request in waiting:
        hours = max(0.0, (now - request.received_at).total_seconds() / 3600)
        urgent = ":rotating_light: " if request.urgent else ""
        snippet = messages.snippet(request.text, names)
        lines.append(
            f"• {urgent}<#{request.channel_id}> from <@{request.user_id}>, {hours:.0f} h ago: "
            f"“{escape(snippet)}”"
        )
    return lines


def drop_classify_task(session: Session, request_id: int) -> None:
    """The request's classify task, if it has not run: it carries the request's words."""
    for task in session.scalars(
        select(Task).where(Task.kind == CLASSIFY_TASK, Task.status == TaskStatus.PENDING)
    ):
        if task.payload.get("request_id") == request_id:
            session.delete(task)


def classify_later(session: Session, request: IntakeRequest, now: datetime) -> None:
    """Queue the request to be judged on its words (see `judge`)."""
    # The text rides in the task so that classifying needs no database read (see `judge`); the
    # model and the compliance rules read it as a person would, not Slack's encoding.
    enqueue_task(
        session, CLASSIFY_TASK, {"request_id": request.id, "text": readable(request.text)}, now=now
    )


def record_event(
    session: Session,
    policy: Policy,
    request: IntakeRequest,
    action: str,
    *,
    actor_id: str,
    now: datetime,
    **detail: Any,
) -> None:
    audit.record(
        session,
        actor_id=actor_id,
        action=action,
        policy_version=policy.version,
        at=now,
        detail={
            "intake_request": request.id,
            "channel": request.channel_id,
            "ts": request.ts,
            "model_version": request.model_version,
            **detail,
        },
    )


def route(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    request: IntakeRequest,
    *,
    label: str,
    by: str | None,
    now: datetime,
) -> None:
    """Route under `label`: a new owner starts from new (nobody has claimed it); "not a marketing
    request" closes it. `by` is the person whose answer routed it (None: the bot)."""
    request.label = label
    request.status = IntakeStatus.ROUTED
    request.decided_at = now
    request.claimed_by = request.claimed_at = None
    if label == OUT_OF_SCOPE:
        request.ticket_status = TicketStatus.DONE
        request.done_by, request.done_at = by, now
    else:
        request.ticket_status = TicketStatus.NEW
        request.done_by = request.done_at = None
    record_event(
        session,
        policy,
        request,
        "intake_routed",
        actor_id=by or BOT_ACTOR,
        now=now,
        label=label,
        predicted=request.predicted_label,
        confidence=request.confidence,
        confirmed_by=by,
        corrected=bool(by and label != request.predicted_label),
        reviewers=request.reviewers,
    )
    messages.post_route(session, policy, routes, request)


__all__ = [
    "OUT_OF_SCOPE",
    "IntakeRequest",
    "Verdict",
    "apply_verdict",
    "confirm",
    "find",
    "judge",
    "label_refusal",
    "receive",
    "route",
]
