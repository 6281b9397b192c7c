"""Intake triage: store each request at once, classify it after the ack, route it or ask a person.

A message in an intake channel becomes a row and a task in the transaction that acks it; the
task worker classifies it with the local model (a restart loses nothing: the row is still there).
When the model is sure, the bot routes; when it is not (low confidence, a close call, out of
scope), it asks in the thread, and the answer is stored as a labelled example for retraining.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.intake import messages
from bot.intake.models import IntakeRequest, IntakeStatus
from bot.slack.blocks import escape, fit
from bot.slack.deliveries import claim_delivery
from bot.slack.text import NO_NAMES, Names, clip, readable
from bot.tasks.service import enqueue_task
from policies import access
from policies.intake_schema import OUT_OF_SCOPE, IntakeTaxonomy
from policies.schema import Policy

CLASSIFY_TASK = "intake.classify"
BOT_ACTOR = "mopsbot"  # the audit trail's actor when the bot decided on its own
UNANSWERED_SHOWN = 10  # in the digest; the rest are counted as "+"


class Classifier(Protocol):
    version: str
    labels: list[str]

    def classify(self, text: str, threshold: float, margin: float) -> Any: ...


@dataclass(frozen=True)
class Answer:
    ok: bool
    message: str
    duplicate: bool = False


def is_new_request(event: dict, intake_channels: set[str]) -> bool:
    """Only a person's top-level message in an intake channel; not edits, bots or thread replies."""
    return (
        event.get("type") == "message"
        and event.get("channel") in intake_channels
        and not event.get("subtype")
        and not event.get("bot_id")
        and (not event.get("thread_ts") or event.get("thread_ts") == event.get("ts"))
        and bool((event.get("text") or "").strip())
        and bool(event.get("user"))
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
    # The text rides in the task so that classifying needs no database read (see `judge`); the
    # model and the compliance rules read it as a person would, not Slack's encoding.
    enqueue_task(
        session, CLASSIFY_TASK, {"request_id": request.id, "text": readable(request.text)}, now=now
    )
    return request


@dataclass(frozen=True)
class Verdict:
    """What the model and the compliance rules say about one request, before anything is stored."""

    result: Any  # the model's Classification
    model_version: str
    regulated: tuple[str, ...] = ()  # compliance categories found: a person confirms the route
    rules_version: str | None = None  # the compliance rules that found them


def judge(policy: Policy, model: Classifier, text: str) -> Verdict:
    """The slow, read-only part of the classify task: run outside any transaction; the
    worker then stores it with `apply_verdict`."""
    from bot.compliance.service import needs_human
    from policies.compliance import ComplianceRulesError

    result = model.classify(
        text, threshold=policy.intake.confidence_threshold, margin=policy.intake.margin
    )
    try:
        findings = needs_human(policy, text)
        regulated = tuple(sorted(findings.categories)) if findings else ()
        rules_version = findings.rules_version if findings else None
    except ComplianceRulesError:  # rules we can't read can't clear anything: ask a person
        regulated, rules_version = ("unreadable_compliance_rules",), None
    return Verdict(result, model.version, regulated, rules_version)


def apply_verdict(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    request_id: int,
    verdict: Verdict,
    now: datetime,
) -> None:
    """Store the decision and route the request, or ask a person when unsure or regulated."""
    request = session.get(IntakeRequest, request_id)
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
    if result.needs_confirmation or result.label is None or verdict.regulated:
        request.status = IntakeStatus.AWAITING_CONFIRMATION
        messages.post_question(session, policy, routes, request, verdict.regulated)
        if verdict.regulated:
            # The bot would have routed this on its own; the trail shows it waited, and why.
            _audit(
                session,
                policy,
                request,
                "intake_held",
                actor_id=BOT_ACTOR,
                now=now,
                categories=list(verdict.regulated),
                rules_version=verdict.rules_version,
            )
    else:
        _route(session, policy, routes, request, label=result.label, by=None, now=now)


def confirm(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    *,
    request_id: int,
    user_id: str,
    user_groups: set[str],
    label: str,
    delivery_key: str | None,
    now: datetime,
) -> Answer:
    """A person names the label: the requester, or anyone in the triage group."""
    if not claim_delivery(session, delivery_key, "action"):
        return Answer(False, "Already handled.", duplicate=True)
    request = session.get(IntakeRequest, request_id)
    if request is None:
        return Answer(False, "That request is gone.")
    triage = [policy.intake.triage_group] if policy.intake.triage_group else []
    if user_id != request.user_id and not access.may_decide(triage, user_id, user_groups, policy):
        return Answer(
            False,
            f"Only <@{request.user_id}> or "
            f"{access.describe_approvers(triage, policy)} can label this request.",
        )
    if label != OUT_OF_SCOPE and label not in routes.labels:
        return Answer(False, f"I don't know the label `{escape(label)}`.")
    if request.confirmed_by is not None and request.label == label:
        return Answer(False, f"Already labelled *{messages.label_name(label)}*.")
    request.confirmed_by = user_id
    request.corrected = label != request.predicted_label
    _route(session, policy, routes, request, label=label, by=user_id, now=now)
    return Answer(True, f"Thanks: labelled *{messages.label_name(label)}*.")


def labelled_examples(session: Session) -> list[tuple[str, str]]:
    """What people confirmed or corrected: training data for `mopsbot intake retrain`."""
    rows = session.execute(
        select(IntakeRequest.text, IntakeRequest.label).where(
            IntakeRequest.confirmed_by.is_not(None), IntakeRequest.label.is_not(None)
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
        snippet = clip(readable(request.text, names), 80)
        lines.append(
            f"• {urgent}<#{request.channel_id}> from <@{request.user_id}>, {hours:.0f} h ago: "
            f"“{escape(snippet)}”"
        )
    return lines


def _audit(
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


def _route(
    session: Session,
    policy: Policy,
    routes: IntakeTaxonomy,
    request: IntakeRequest,
    *,
    label: str,
    by: str | None,
    now: datetime,
) -> None:
    request.label = label
    request.status = IntakeStatus.ROUTED
    request.decided_at = now
    _audit(
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
    )
    messages.post_route(session, policy, routes, request, label=label, by=by)


__all__ = [
    "OUT_OF_SCOPE",
    "IntakeRequest",
    "Verdict",
    "apply_verdict",
    "confirm",
    "judge",
    "receive",
]
