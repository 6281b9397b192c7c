"""A person confirms before the bot acts on flagged content: `/brief schedule` and `/brief live`
on a brief with regulated claims post Confirm / Cancel in its thread, and only a click acts.

Who may click is who may run the command (the requester or an ops admin); the audit event of the
action records who asked and who confirmed. A prompt belongs to one version of the brief: once the
brief changes, or someone cancels the prompt, its Confirm does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.audit.models import AuditEvent
from bot.briefs import messages, service
from bot.briefs.models import Brief
from bot.briefs.service import Actor, Outcome, click_already_handled
from bot.briefs.workflow import Action, verb
from bot.compliance import service as compliance_gate
from bot.compliance.findings import BriefLint
from bot.slack import blocks
from bot.slack.actions import ActionId, MalformedValue, parse_id
from bot.slack.deliveries import claim_delivery
from bot.slack.outbox import enqueue
from policies import access
from policies.schema import Policy

CONFIRM = ActionId.BRIEF_CONFIRM_ADVANCE
DECLINE = ActionId.BRIEF_DECLINE_ADVANCE
ASKED, DECLINED = "confirmation_requested", "confirmation_declined"
DONE_WORDS = {Action.SCHEDULE: "scheduled", Action.GO_LIVE: "live"}


@dataclass(frozen=True)
class Prompt:
    """What a Confirm / Cancel button stands for; carried in the button's value as
    "brief_id:version:action:requested_by"."""

    brief_id: int
    version: int
    action: Action
    requested_by: str

    def format(self) -> str:
        return f"{self.brief_id}:{self.version}:{self.action.value}:{self.requested_by}"

    @classmethod
    def parse(cls, value: object) -> Prompt:
        """The prompt a button stands for; `MalformedValue` when it is not one."""
        parts = value.split(":") if isinstance(value, str) else []
        if len(parts) != 4 or parts[2] not in DONE_WORDS or not parts[3]:
            raise MalformedValue("confirmation", value)
        brief_id = parse_id(parts[0], "confirmation", whole=value)
        version = parse_id(parts[1], "confirmation", whole=value)
        return cls(brief_id, version, Action(parts[2]), parts[3])


@dataclass(frozen=True)
class Shown:
    """Where the prompt is on screen, so that a decision replaces its buttons."""

    channel: str
    ts: str


def request(
    session: Session, policy: Policy, *, brief_id: int, actor: Actor, action: Action, now: datetime
) -> Outcome:
    """Act at once on clean content; on flagged content, ask in the thread and wait."""
    brief = service.check_advance(session, policy, brief_id=brief_id, actor=actor, action=action)
    if isinstance(brief, Outcome):
        return brief
    review = compliance_gate.lint_brief(policy, brief.fields)
    if not review.flagged:
        return service.advance(
            session, policy, brief_id=brief_id, actor=actor, action=action, now=now
        )
    prompt = Prompt(brief.id, brief.version, action, actor.user_id)
    audit.record(
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
    messages.reply(session, brief, text, extra_blocks=[buttons.to_dict()])
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
    return _current(session, prompt)


def _current(session: Session, prompt: Prompt) -> Brief | Outcome:
    """The brief, if the prompt still stands for it: same version, not cancelled."""
    brief = session.get(Brief, prompt.brief_id)
    if brief is None:
        return Outcome(False, f"There is no brief #{prompt.brief_id}.")
    if brief.version != prompt.version or _declined(session, prompt):
        return Outcome(
            False,
            f"This confirmation no longer applies: brief #{brief.id} is "
            f"{messages.state_words(brief)} now, or the request was cancelled. "
            f"Nothing was done.",
            brief.id,
        )
    return brief


def _declined(session: Session, prompt: Prompt) -> bool:
    details = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.brief_id == prompt.brief_id, AuditEvent.action == DECLINED
        )
    )
    return any(
        (d or {}).get("version") == prompt.version and (d or {}).get("for") == prompt.action.value
        for d in details
    )


def _evidence(review: BriefLint) -> dict[str, object]:
    return {
        "categories": review.categories,
        "rules_version": review.rules_version,
        "rules_error": review.rules_error,
    }


def _close(session: Session, brief: Brief, shown: Shown, text: str) -> None:
    """The prompt without its buttons, saying what became of it."""
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
