"""A person confirms before the bot acts on flagged content: `/brief schedule` and `/brief live`
on a brief with regulated claims post Confirm / Cancel in its thread, and only a click acts.

Who may click is who may run the command (the requester or an ops admin); the audit event of the
action records who asked and who confirmed. A prompt belongs to one request (its audit event) on
one version of the brief: once the brief changes, someone cancels that request, or a newer request
for the same action replaces it, its Confirm does nothing. One prompt is live per brief and
action: asking again takes the buttons off the older prompt and says it was replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.audit.models import AuditEvent
from bot.briefs import messages, service
from bot.briefs.lock import hold
from bot.briefs.models import Brief
from bot.briefs.service import Actor, Outcome, click_already_handled
from bot.briefs.workflow import Action, verb
from bot.compliance import service as compliance_gate
from bot.compliance.findings import BriefLint
from bot.slack import blocks
from bot.slack.actions import ActionId, MalformedValue, parse_id
from bot.slack.deliveries import claim_delivery
from bot.slack.outbox import channel_of, enqueue, ts_of
from policies import access
from policies.schema import Policy

CONFIRM = ActionId.BRIEF_CONFIRM_ADVANCE
DECLINE = ActionId.BRIEF_DECLINE_ADVANCE
ASKED, DECLINED = "confirmation_requested", "confirmation_declined"
DONE_WORDS = {Action.SCHEDULE: "scheduled", Action.GO_LIVE: "live"}


@dataclass(frozen=True)
class Prompt:
    """What a Confirm / Cancel button stands for; carried in the button's value as
    "brief_id:version:action:requested_by:request" (request: the id of the request's audit
    event, so that each request is answered on its own). Buttons posted before requests had
    ids have no fifth part; they stand for the newest request on their version."""

    brief_id: int
    version: int
    action: Action
    requested_by: str
    request: int | None = None

    def format(self) -> str:
        value = f"{self.brief_id}:{self.version}:{self.action.value}:{self.requested_by}"
        return value if self.request is None else f"{value}:{self.request}"

    @classmethod
    def parse(cls, value: object) -> Prompt:
        """The prompt a button stands for; `MalformedValue` when it is not one."""
        parts = value.split(":") if isinstance(value, str) else []
        if len(parts) not in (4, 5) or parts[2] not in DONE_WORDS or not parts[3]:
            raise MalformedValue("confirmation", value)
        brief_id = parse_id(parts[0], "confirmation", whole=value)
        version = parse_id(parts[1], "confirmation", whole=value)
        request = parse_id(parts[4], "confirmation", whole=value) if len(parts) == 5 else None
        return cls(brief_id, version, Action(parts[2]), parts[3], request)


@dataclass(frozen=True)
class Shown:
    """Where the prompt is on screen, so that a decision replaces its buttons: as clicked, or
    as outbox references to a prompt posted earlier."""

    channel: str | dict[str, str]
    ts: str | dict[str, str]


def request(
    session: Session, policy: Policy, *, brief_id: int, actor: Actor, action: Action, now: datetime
) -> Outcome:
    """Act at once on clean content; on flagged content, ask in the thread and wait."""
    hold(session, brief_id)  # before anything is read or written: see bot.briefs.lock
    brief = service.check_advance(session, policy, brief_id=brief_id, actor=actor, action=action)
    if isinstance(brief, Outcome):
        return brief
    review = compliance_gate.lint_brief(policy, brief.fields)
    if not review.flagged:
        return service.advance(
            session, policy, brief_id=brief_id, actor=actor, action=action, now=now
        )
    older = _open_request(session, brief, action)
    if older is not None:
        _close(
            session,
            brief,
            _posted(older),
            f"{blocks.user(older.actor_id)}'s request to mark this brief "
            f"*{DONE_WORDS[action]}* was replaced by a newer request below; nothing was done here.",
        )
    event = audit.record(
        session,
        brief_id=brief.id,
        actor_id=actor.user_id,
        action=ASKED,
        from_state=brief.state,
        to_state=brief.state,
        round=brief.round,
        policy_version=policy.version,
        template_version=brief.template_version,
        at=now,
        detail={"for": action.value, "version": brief.version, **_evidence(review)},
    )
    session.flush()  # the event's id names this request in its buttons
    prompt = Prompt(brief.id, brief.version, action, actor.user_id, event.id)
    what = ", ".join(review.labels) or "unchecked: the compliance rules could not be read"
    text = (
        f":raised_hand: {blocks.user(actor.user_id)} asked to mark this brief "
        f"*{DONE_WORDS[action]}*. It makes regulated claims ({blocks.escape(what)}), so a person "
        f"confirms first: {blocks.user(brief.requester_id)} or "
        f"{access.describe_roles(['ops_admin'], policy)}."
    )
    buttons = blocks.actions(
        [
            blocks.button("Confirm", CONFIRM, prompt.format(), style="primary"),
            blocks.button("Cancel", DECLINE, prompt.format()),
        ],
        block_id=f"brief_{brief.id}_confirm",
    )
    messages.reply(
        session, brief, text, extra_blocks=[buttons.to_dict()], message_key=_message_key(event)
    )
    return Outcome(
        True,
        f"Brief #{brief.id} makes regulated claims ({blocks.escape(what)}), so nothing "
        f"happens yet: *Confirm* in its thread to {verb(action)}.",
        brief.id,
    )


def confirm(
    session: Session,
    policy: Policy,
    *,
    prompt: Prompt,
    actor: Actor,
    now: datetime,
    delivery_key: str | None,
    shown: Shown | None,
) -> Outcome:
    brief = _clicked(session, prompt, delivery_key)
    if isinstance(brief, Outcome):
        return brief
    review = compliance_gate.lint_brief(policy, brief.fields)
    detail = {
        "confirmed_by": actor.user_id,
        "requested_by": prompt.requested_by,
        **_evidence(review),
    }
    outcome = service.advance(
        session,
        policy,
        brief_id=brief.id,
        actor=actor,
        action=prompt.action,
        now=now,
        detail=detail,
    )
    if outcome.ok and shown:
        _close(
            session,
            brief,
            shown,
            f":white_check_mark: {blocks.user(actor.user_id)} confirmed: "
            f"this brief is marked *{DONE_WORDS[prompt.action]}*.",
        )
    return outcome


def decline(
    session: Session,
    policy: Policy,
    *,
    prompt: Prompt,
    actor: Actor,
    now: datetime,
    delivery_key: str | None,
    shown: Shown | None,
) -> Outcome:
    brief = _clicked(session, prompt, delivery_key)
    if isinstance(brief, Outcome):
        return brief
    allowed = service.check_advance(
        session, policy, brief_id=brief.id, actor=actor, action=prompt.action
    )
    if isinstance(allowed, Outcome):
        return allowed
    audit.record(
        session,
        brief_id=brief.id,
        actor_id=actor.user_id,
        action=DECLINED,
        from_state=brief.state,
        to_state=brief.state,
        round=brief.round,
        policy_version=policy.version,
        template_version=brief.template_version,
        at=now,
        detail={
            "for": prompt.action.value,
            "version": prompt.version,
            "request": prompt.request,
            "requested_by": prompt.requested_by,
        },
    )
    if shown:
        _close(
            session,
            brief,
            shown,
            f"{blocks.user(actor.user_id)} cancelled marking this brief "
            f"*{DONE_WORDS[prompt.action]}*; nothing was done.",
        )
    return Outcome(
        True, f"Cancelled; brief #{brief.id} stays {messages.state_words(brief)}.", brief.id
    )


# -- internals ------------------------------------------------------------------------------


def _clicked(session: Session, prompt: Prompt, delivery_key: str | None) -> Brief | Outcome:
    """The brief a Confirm or Cancel click acts on, or why it acts on nothing (a redelivered
    click, a gone brief, an outdated or cancelled prompt)."""
    if not claim_delivery(session, delivery_key, "action"):
        return click_already_handled(prompt.brief_id)
    hold(session, prompt.brief_id)  # before anything is read or written: see bot.briefs.lock
    return _current(session, prompt)


def _current(session: Session, prompt: Prompt) -> Brief | Outcome:
    """The brief, if the prompt still stands for it: the same version, the newest request for
    its action, not cancelled."""
    brief = session.get(Brief, prompt.brief_id)
    if brief is None:
        return Outcome(False, f"There is no brief #{prompt.brief_id}.")
    newest = _newest_request(session, brief.id, prompt.action)
    if prompt.request is None and newest is not None:  # a button from before requests had ids
        prompt = replace(prompt, request=newest.id)
    if brief.version != prompt.version:
        why = f"brief #{brief.id} changed since it was asked (it is {messages.state_words(brief)} now)"
    elif _declined(session, prompt):
        why = "this request was cancelled"
    elif newest is None or newest.id != prompt.request:
        why = "a newer request in the thread replaced it"
    else:
        return brief
    return Outcome(
        False, f"This confirmation no longer applies: {why}. Nothing was done.", brief.id
    )


def _newest_request(session: Session, brief_id: int, action: Action) -> AuditEvent | None:
    asked = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.brief_id == brief_id, AuditEvent.action == ASKED)
        .order_by(AuditEvent.id.desc())
    )
    return next((e for e in asked if (e.detail or {}).get("for") == action.value), None)


def _open_request(session: Session, brief: Brief, action: Action) -> AuditEvent | None:
    """The request for `action` whose prompt still shows buttons, if any: the newest one, on
    the brief's current version, neither cancelled nor confirmed (confirming changes the
    version)."""
    newest = _newest_request(session, brief.id, action)
    if newest is None or (newest.detail or {}).get("version") != brief.version:
        return None
    prompt = Prompt(brief.id, brief.version, action, newest.actor_id, newest.id)
    return None if _declined(session, prompt) else newest


def _declined(session: Session, prompt: Prompt) -> bool:
    details = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.brief_id == prompt.brief_id, AuditEvent.action == DECLINED
        )
    )
    return any(
        (d or {}).get("request") == prompt.request
        or ("request" not in (d or {}) and (d or {}).get("version") == prompt.version)
        for d in details
    )  # a decline recorded before requests had ids names the version it cancelled


def _message_key(request: AuditEvent) -> str:
    """Where the request's prompt is kept once posted (slack_messages)."""
    return f"confirmation:{request.id}"


def _posted(request: AuditEvent) -> Shown:
    key = _message_key(request)
    return Shown(channel_of(key), ts_of(key))


def _evidence(review: BriefLint) -> dict[str, object]:
    return {
        "categories": review.categories,
        "rules_version": review.rules_version,
        "rules_error": review.rules_error,
        "models": list(review.models),
    }


def _close(session: Session, brief: Brief, shown: Shown, text: str) -> None:
    """The prompt without its buttons, saying what became of it."""
    hold(session, brief.id)  # the thread's writer, before its outbox row: bot.briefs.lock
    enqueue(
        session,
        "chat.update",
        {
            "channel": shown.channel,
            "ts": shown.ts,
            "text": text,
            "blocks": blocks.to_dicts([blocks.section(text)]),
        },
        ordering_key=brief.thread_key,
    )
