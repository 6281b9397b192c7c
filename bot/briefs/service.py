"""The brief service: create, decide, resubmit, cancel. Every call is one unit of work.

Each function checks policy and the state machine, then writes the brief, the approval, the audit
row and the outbox rows for Slack in the caller's transaction. Nothing here talks to Slack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.briefs import approvers, messages, reactions, staffing
from bot.briefs.lock import hold
from bot.briefs.models import Approval, Brief
from bot.briefs.workflow import (
    Action,
    BriefState,
    IllegalTransition,
    Position,
    apply,
)
from bot.slack import blocks
from bot.slack.deliveries import claim_delivery
from policies import access
from policies.schema import Policy, clean_submission, validate_submission

DECISIONS = {Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT}
NEEDS_REASON = {Action.REQUEST_CHANGES, Action.REJECT}


@dataclass(frozen=True)
class Actor:
    """Who is asking, with the Slack user groups (ids) they belong to, and the people away today
    who named them their delegate (each with their own groups)."""

    user_id: str
    group_ids: frozenset[str] = frozenset()
    stands_in_for: tuple[Actor, ...] = ()


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    brief_id: int | None = None
    duplicate: bool = False


def click_already_handled(brief_id: int | None = None) -> Outcome:
    """A click whose delivery key was taken: Slack's retry or a double click. Nobody is told."""
    return Outcome(False, "That click was already handled.", brief_id, duplicate=True)


@dataclass(frozen=True)
class FormErrors:
    """Inline modal errors by field id; nothing was stored."""

    errors: dict[str, str]


def _accept_form(
    session: Session,
    policy: Policy,
    values: dict[str, Any],
    delivery_key: str | None,
    now: datetime,
    brief_id: int | None = None,
) -> dict[str, Any] | Outcome | FormErrors:
    """The cleaned form, or why not: inline errors (nothing stored, the key not taken, so the
    corrected submission of the same view counts) or a duplicate delivery. Dates are judged
    against the day it is for the team (the policy's business time zone)."""
    template = policy.workflows.brief.template
    today = now.astimezone(ZoneInfo(policy.business_hours.timezone)).date()
    errors = validate_submission(template, values, today)
    if errors:
        return FormErrors(errors)
    if not claim_delivery(session, delivery_key, "view"):
        return Outcome(False, "That form was already submitted.", brief_id, duplicate=True)
    return clean_submission(template, values)


def create(
    session: Session,
    policy: Policy,
    *,
    requester_id: str,
    channel_id: str,
    values: dict[str, Any],
    now: datetime,
    delivery_key: str | None,
) -> Outcome | FormErrors:
    template = policy.workflows.brief.template
    cleaned = _accept_form(session, policy, values, delivery_key, now)
    if not isinstance(cleaned, dict):
        return cleaned
    brief = Brief(
        title=str(cleaned.get("title") or "Untitled brief"),
        fields=cleaned,
        requester_id=requester_id,
        channel_id=channel_id,
        state=BriefState.DRAFT,
        stages=[stage.name for stage in policy.workflows.brief.stages],
        stage_index=None,
        round=1,
        template_version=str(template.version),
        policy_version=policy.version,
        created_at=now,
        updated_at=now,
        stage_entered_at=now,
        version=1,
    )
    session.add(brief)
    session.flush()  # the id names the Slack thread
    audit.record(
        session,
        brief_id=brief.id,
        actor_id=requester_id,
        action="create",
        to_state=BriefState.DRAFT,
        round=1,
        policy_version=policy.version,
        template_version=brief.template_version,
        at=now,
    )
    reactions.plan_stages(session, policy, brief, now)
    _move(session, policy, brief, Action.SUBMIT, actor_id=requester_id, reason=None, now=now)
    reactions.after_submit(session, policy, brief, now)
    return Outcome(True, f"Brief #{brief.id} is in review.", brief.id)


def decision_refusal(
    session: Session,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    action: Action,
    reason: str | None,
    expected_version: int | None,
) -> Outcome | None:
    """Why `actor` may not take `action` on the brief as it stands, or None when they may.

    Reads only, so a click can be checked in a snapshot without SQLite's write lock; `decide`
    asks again inside its own transaction. With `reason=None` for a decision that needs one, only
    whether they may decide is checked (before the form that asks why is opened)."""
    brief = session.get(Brief, brief_id)
    if brief is None:
        return Outcome(False, f"There is no brief #{brief_id}.")
    if expected_version is not None and brief.version != expected_version:
        return Outcome(
            False,
            f"Brief #{brief.id} changed since these buttons were drawn "
            f"(it is now {messages.state_words(brief)}); nothing was done.",
            brief.id,
        )
    illegal = _illegal(brief, action)
    if illegal is not None:
        return illegal
    refs = approvers.refs(policy, brief)
    may_decide = decider(session, policy, brief, actor, action) is not None
    earlier = _own_approval(session, brief, actor) if action == Action.APPROVE else None
    if earlier is not None and (earlier.stage == brief.stage or not may_decide):
        return Outcome(
            False,
            f"You already approved *{messages.stage_label(policy, earlier.stage)}* at "
            f"{blocks.local_time(earlier.decided_at)}. It now waits on "
            f"{messages.waiting_on(policy, brief, mention=False)} for "
            f"*{messages.stage_label(policy, brief.stage)}*.",
            brief.id,
        )
    if actor.user_id == brief.requester_id:
        return Outcome(
            False,
            f"You can't decide on your own brief. {access.describe_approvers(refs, policy)} can.",
            brief.id,
        )
    if not may_decide:
        return Outcome(
            False,
            f"Only {access.describe_approvers(refs, policy)} can decide the "
            f"{messages.open_stage_labels(policy, brief)} stage.",
            brief.id,
        )
    if action in NEEDS_REASON and reason is not None and not reason.strip():
        return Outcome(False, "A reason is required.", brief.id)
    return None


def decide(
    session: Session,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    action: Action,
    reason: str | None,
    expected_version: int | None,
    now: datetime,
    delivery_key: str | None,
) -> Outcome:
    """Approve, request changes or reject the brief's current stage."""
    if action not in DECISIONS:
        raise ValueError(f"{action} is not a decision")
    if action in NEEDS_REASON and not (reason or "").strip():
        return Outcome(False, "A reason is required.", brief_id)
    if not claim_delivery(session, delivery_key, "action"):
        return click_already_handled(brief_id)
    hold(session, brief_id)  # before anything is read or written: see bot.briefs.lock
    refusal = decision_refusal(
        session,
        policy,
        brief_id=brief_id,
        actor=actor,
        action=action,
        reason=reason,
        expected_version=expected_version,
    )
    if refusal is not None:
        return refusal
    brief = session.get(Brief, brief_id)  # from the session's identity map: no second query
    assert brief is not None
    decided = decider(session, policy, brief, actor, action)
    if decided is None:  # another approver's decision committed between the check and now
        return Outcome(
            False,
            f"Someone decided on brief #{brief.id} just before you; nothing was done.",
            brief.id,
        )
    stage, principal = decided.stage, decided.principal
    for_whom = principal if principal != actor.user_id else None
    approved_before = approvers.approved_by(session, brief, stage)
    completes = len(approved_before | {principal}) >= approvers.quorum(policy, brief, stage)
    if action == Action.APPROVE and completes:
        blocked = reactions.leave_refusal(session, policy, brief, stage)
        if blocked is not None:
            label = messages.stage_label(policy, stage)
            return Outcome(False, f"*{label}* can't be approved yet: {blocked}", brief.id)
    session.add(
        Approval(
            brief_id=brief.id,
            stage=stage,
            round=brief.round,
            approver_id=actor.user_id,
            on_behalf_of=for_whom,
            decision=action.value,
            reason=reason,
            decided_at=now,
        )
    )
    actor_words = f"{blocks.user(actor.user_id)} for {blocks.user(for_whom)}" if for_whom else None
    needed = approvers.quorum(policy, brief, stage)
    approved = approved_before | {principal}
    if action == Action.APPROVE and len(approved) < needed:
        _count_approval(
            session,
            policy,
            brief,
            stage=stage,
            actor_id=actor.user_id,
            for_whom=for_whom,
            actor_words=actor_words,
            count=(len(approved), needed),
            now=now,
        )
        session.flush()  # raises StaleDataError if a concurrent click got there first
        label = messages.stage_label(policy, stage)
        return Outcome(
            True, f"You approved *{label}* ({len(approved)} of {needed} needed).", brief.id
        )
    approvers.bring_forward(brief, stage)  # a parallel stage completes in the current position
    _move(
        session,
        policy,
        brief,
        action,
        actor_id=actor.user_id,
        reason=reason,
        now=now,
        detail={"on_behalf_of": for_whom} if for_whom else None,
        actor_words=actor_words,
    )
    session.flush()  # raises StaleDataError if a concurrent click got there first
    return Outcome(True, messages.decision_ack(action, brief), brief.id)


def _count_approval(
    session: Session,
    policy: Policy,
    brief: Brief,
    *,
    stage: str,
    actor_id: str,
    for_whom: str | None,
    actor_words: str | None,
    count: tuple[int, int],
    now: datetime,
) -> None:
    """An approval that doesn't yet reach the stage's quorum: counted, audited and shown; the
    brief stays at the stage (its version moves on, so the buttons drawn before are stale)."""
    brief.updated_at = now
    brief.version += 1
    audit.record(
        session,
        brief_id=brief.id,
        actor_id=actor_id,
        action="approve_vote",
        from_state=brief.state,
        to_state=brief.state,
        stage=stage,
        round=brief.round,
        policy_version=policy.version,
        template_version=brief.template_version,
        at=now,
        detail={"approvals": count[0], "needed": count[1], "on_behalf_of": for_whom},
    )
    messages.announce_vote(
        session,
        policy,
        brief,
        stage=stage,
        actor_words=actor_words or blocks.user(actor_id),
        count=count,
    )


def resubmit(
    session: Session,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    values: dict[str, Any],
    now: datetime,
    delivery_key: str | None,
) -> Outcome | FormErrors:
    template = policy.workflows.brief.template
    cleaned = _accept_form(session, policy, values, delivery_key, now, brief_id)
    if not isinstance(cleaned, dict):
        return cleaned
    hold(session, brief_id)  # before anything is read or written: see bot.briefs.lock
    brief = session.get(Brief, brief_id)
    if brief is None:
        return Outcome(False, f"There is no brief #{brief_id}.")
    if actor.user_id != brief.requester_id:
        return Outcome(
            False,
            f"Only <@{brief.requester_id}> can edit and resubmit brief #{brief.id}.",
            brief.id,
        )
    illegal = _illegal(brief, Action.RESUBMIT)
    if illegal is not None:
        return illegal
    changes = changed_fields(policy, brief.fields, cleaned)
    brief.fields = cleaned
    brief.title = str(cleaned.get("title") or brief.title)
    brief.template_version = str(template.version)
    brief.stages = [stage.name for stage in policy.workflows.brief.stages]
    reactions.plan_stages(session, policy, brief, now)
    _move(
        session,
        policy,
        brief,
        Action.RESUBMIT,
        actor_id=actor.user_id,
        reason=None,
        now=now,
        detail={"changed": changes},
        changes=changes,
    )
    reactions.after_submit(session, policy, brief, now)
    session.flush()
    return Outcome(True, f"Brief #{brief.id} is back in review (round {brief.round}).", brief.id)


def cancel_refusal(
    session: Session, policy: Policy, *, brief_id: int, actor: Actor
) -> Outcome | None:
    """Why `actor` may not cancel the brief now (asked before the reason modal opens, and
    again when it is submitted), or None when they may."""
    return _role_refusal(
        session, policy, brief_id, actor, Action.CANCEL, access.may_cancel, policy.roles.cancel
    )


def cancel(
    session: Session,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    reason: str | None,
    now: datetime,
    delivery_key: str | None = None,
) -> Outcome:
    """Cancel the brief, with the reason the requester is told."""
    if not claim_delivery(session, delivery_key, "view"):
        return Outcome(False, "Already handled.", brief_id, duplicate=True)
    hold(session, brief_id)  # before anything is read or written: see bot.briefs.lock
    refusal = cancel_refusal(session, policy, brief_id=brief_id, actor=actor)
    if refusal is not None:
        return refusal
    if not (reason or "").strip():
        return Outcome(False, "A reason is required.", brief_id)
    brief = session.get(Brief, brief_id)
    assert brief is not None
    _move(session, policy, brief, Action.CANCEL, actor_id=actor.user_id, reason=reason, now=now)
    session.flush()
    return Outcome(True, f"Brief #{brief.id} is cancelled.", brief.id)


def reopen_refusal(
    session: Session, policy: Policy, *, brief_id: int, actor: Actor
) -> Outcome | None:
    return _role_refusal(
        session, policy, brief_id, actor, Action.REOPEN, access.may_reopen, policy.roles.reopen
    )


def _role_refusal(
    session: Session,
    policy: Policy,
    brief_id: int,
    actor: Actor,
    action: Action,
    may: Callable[[Policy, set[str]], bool],
    allowed: list[str],
) -> Outcome | None:
    """Why `actor` may not take `action` (cancel, reopen): no such brief, not a role `may`
    accepts (`allowed` names them), or not from the brief's state; None when they may."""
    brief = session.get(Brief, brief_id)
    if brief is None:
        return Outcome(False, f"There is no brief #{brief_id}.")
    if not may(policy, _roles(policy, brief, actor)):
        return Outcome(
            False,
            f"You can't {action.value} brief #{brief.id}: only "
            f"{access.describe_roles(allowed, policy)} can.",
            brief.id,
        )
    return _illegal(brief, action)


def reopen(
    session: Session,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    now: datetime,
    delivery_key: str | None = None,
) -> Outcome:
    """A rejected or cancelled brief back to its requester as a draft of the next round."""
    if not claim_delivery(session, delivery_key, "action"):
        return click_already_handled(brief_id)
    hold(session, brief_id)  # before anything is read or written: see bot.briefs.lock
    refusal = reopen_refusal(session, policy, brief_id=brief_id, actor=actor)
    if refusal is not None:
        return refusal
    brief = session.get(Brief, brief_id)
    assert brief is not None
    _move(session, policy, brief, Action.REOPEN, actor_id=actor.user_id, reason=None, now=now)
    session.flush()
    return Outcome(
        True,
        f"Brief #{brief.id} is reopened as a draft (round {brief.round}); "
        f"<@{brief.requester_id}> can *Edit & resubmit* it in its thread.",
        brief.id,
    )


def check_advance(
    session: Session, policy: Policy, *, brief_id: int, actor: Actor, action: Action
) -> Brief | Outcome:
    """The brief, when `actor` may schedule it or take it live now; otherwise why not."""
    if action not in (Action.SCHEDULE, Action.GO_LIVE):
        raise ValueError(f"{action} does not advance a brief")
    brief = session.get(Brief, brief_id)
    if brief is None:
        return Outcome(False, f"There is no brief #{brief_id}.")
    if not _roles(policy, brief, actor) & {"requester", "ops_admin"}:
        return Outcome(
            False,
            f"Only <@{brief.requester_id}> or "
            f"{access.describe_roles(['ops_admin'], policy)} can do that.",
            brief.id,
        )
    return _illegal(brief, action) or brief


def advance(
    session: Session,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    action: Action,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> Outcome:
    """After approval: mark a brief scheduled, then live (the requester or an ops admin).

    `detail` goes into the audit event (who confirmed it, for flagged content)."""
    hold(session, brief_id)  # before anything is read or written: see bot.briefs.lock
    brief = check_advance(session, policy, brief_id=brief_id, actor=actor, action=action)
    if isinstance(brief, Outcome):
        return brief
    _move(
        session, policy, brief, action, actor_id=actor.user_id, reason=None, now=now, detail=detail
    )
    session.flush()
    return Outcome(True, f"Brief #{brief.id} is now {messages.state_words(brief)}.", brief.id)


def changed_fields(
    policy: Policy, before: dict[str, Any], after: dict[str, Any]
) -> dict[str, list[Any]]:
    """{field id: [old, new]} for each template field whose value changed, in form order."""
    return {
        field.id: [before.get(field.id), after.get(field.id)]
        for field in policy.workflows.brief.template.fields
        if before.get(field.id) != after.get(field.id)
    }


def find(session: Session, brief_id: int) -> Brief | None:
    return session.get(Brief, brief_id)


def briefs_of(
    session: Session, policy: Policy, actor: Actor, limit: int = 20
) -> tuple[list[Brief], list[Brief]]:
    """The actor's own open briefs, and the briefs in review waiting on them."""
    closed = (BriefState.REJECTED, BriefState.CANCELLED, BriefState.LIVE)
    mine = list(
        session.scalars(
            select(Brief)
            .where(Brief.requester_id == actor.user_id, Brief.state.not_in(closed))
            .order_by(Brief.id.desc())
            .limit(limit)
        )
    )
    in_review = session.scalars(
        select(Brief)
        .where(Brief.state == BriefState.IN_REVIEW, or_(Brief.requester_id != actor.user_id))
        .order_by(Brief.stage_entered_at)
    )
    waiting = [
        brief for brief in in_review if decider(session, policy, brief, actor, Action.APPROVE)
    ][:limit]
    return mine, waiting


@dataclass(frozen=True)
class Decider:
    """Which open stage a click decides, and as whom (the actor, or someone away they stand in
    for)."""

    stage: str
    principal: str


def decider(
    session: Session, policy: Policy, brief: Brief, actor: Actor, action: Action
) -> Decider | None:
    """The first open stage `actor` may decide, as themselves when they are one of its approvers,
    else as someone away they stand in for; None when there is none. Never as the requester
    (nobody decides their own brief, nor does their delegate for them), and an approval never
    goes to a stage the same person already approved (a quorum counts people)."""
    for stage in approvers.open_stages(policy, brief):
        refs = approvers.refs(policy, brief, stage)
        done = approvers.approved_by(session, brief, stage) if action == Action.APPROVE else set()
        for person in (actor, *actor.stands_in_for):
            if (
                person.user_id != brief.requester_id
                and person.user_id not in done
                and access.may_decide(refs, person.user_id, set(person.group_ids), policy)
            ):
                return Decider(stage, person.user_id)
    return None


# -- internals ------------------------------------------------------------------------------


def _open_stage(policy: Policy, brief: Brief, stage: str | None) -> str | Outcome:
    """The open stage an ops admin named (by name or label), or the only one open."""
    open_ = approvers.open_stages(policy, brief)
    if stage is None and len(open_) == 1:
        return open_[0]
    for name in open_:
        if stage is not None and stage.lower() in (
            name,
            messages.stage_label(policy, name).lower(),
        ):
            return name
    listed = " or ".join(f"`{name}`" for name in open_) or "none"
    return Outcome(
        False,
        f"Brief #{brief.id} has these stages open: {listed}; name the one you mean.",
        brief.id,
    )


def _position(brief: Brief) -> Position:
    return Position(state=BriefState(brief.state), stage_index=brief.stage_index, round=brief.round)


def _own_approval(session: Session, brief: Brief, actor: Actor) -> Approval | None:
    """The actor's latest approval of a stage of this brief in its current round."""
    return session.scalars(
        select(Approval)
        .where(
            Approval.brief_id == brief.id,
            Approval.round == brief.round,
            Approval.approver_id == actor.user_id,
            Approval.decision == Action.APPROVE.value,
        )
        .order_by(Approval.id.desc())
        .limit(1)
    ).first()


def _illegal(brief: Brief, action: Action) -> Outcome | None:
    """Why the workflow refuses `action` on the brief as it stands, or None when it allows it."""
    try:
        apply(_position(brief), action, len(brief.stages))
    except IllegalTransition as exc:
        return Outcome(False, f"Brief #{brief.id}: {exc}", brief.id)
    return None


def _roles(policy: Policy, brief: Brief, actor: Actor) -> set[str]:
    return access.roles_for(
        policy,
        user_id=actor.user_id,
        user_group_ids=set(actor.group_ids),
        requester_id=brief.requester_id,
        stage_name=brief.stage,
    )


def _move(
    session: Session,
    policy: Policy,
    brief: Brief,
    action: Action,
    *,
    actor_id: str,
    reason: str | None,
    now: datetime,
    detail: dict[str, Any] | None = None,
    actor_words: str | None = None,
    changes: dict[str, list[Any]] | None = None,
) -> None:
    """Move the brief by `action`: state, audit row, Slack messages, other domains' reactions.
    `actor_words` names the actor in the thread when more than their name is true ("@omar
    (ops admin override)")."""
    before = _position(brief)
    stage_before = brief.stage
    open_before = approvers.open_stages(policy, brief)
    after = apply(before, action, len(brief.stages))
    brief.state = str(after.state)
    brief.stage_index = after.stage_index
    brief.round = after.round
    brief.updated_at = now
    brief.version += 1
    # A parallel stage that was already open keeps the clock its group started.
    new_group = (after.state, after.stage_index) != (before.state, before.stage_index) and not (
        after.state == before.state and brief.stage in open_before
    )
    if new_group:
        brief.stage_entered_at = now  # a parallel stage's clock started with its group
    audit.record(
        session,
        brief_id=brief.id,
        actor_id=actor_id,
        action=action.value,
        from_state=str(before.state),
        to_state=str(after.state),
        stage=stage_before or brief.stage,
        round=brief.round,
        reason=reason,
        policy_version=policy.version,
        template_version=brief.template_version,
        at=now,
        detail=detail,
    )
    messages.announce(
        session,
        policy,
        brief,
        action,
        actor_id=actor_id,
        reason=reason,
        stage_before=stage_before,
        actor_words=actor_words,
        changes=changes,
    )
    reactions.on_change(session, policy, brief, now)
    if brief.state == BriefState.IN_REVIEW and (new_group or before.round != after.round):
        staffing.plan_check(session, policy, brief, now)


# -- ops admins: the ways out of a stuck stage ------------------------------------------------


def override(
    session: Session,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    action: Action,
    reason: str,
    now: datetime,
    stage: str | None = None,
) -> Outcome:
    """An ops admin decides an open stage (default: the current one) in place of its approvers,
    with a reason that is audited and quoted in the thread. Not on their own brief: that would
    be self-approval."""
    if action not in DECISIONS:
        raise ValueError(f"{action} is not a decision")
    hold(session, brief_id)  # before anything is read or written: see bot.briefs.lock
    brief = session.get(Brief, brief_id)
    if brief is None:
        return Outcome(False, f"There is no brief #{brief_id}.")
    if not access.is_ops_admin(policy, actor.user_id, set(actor.group_ids)):
        return Outcome(False, "Only ops admins can override a stage's approvers.", brief.id)
    if actor.user_id == brief.requester_id:
        return Outcome(
            False,
            f"You filed brief #{brief.id}, so you can't decide it, even as an ops admin. Hand "
            f"the stage to someone else with `/brief assign {brief.id} @person`.",
            brief.id,
        )
    illegal = _illegal(brief, action)
    if illegal is not None:
        return illegal
    if not reason.strip():
        return Outcome(False, "An override needs a reason; it is kept in the audit trail.")
    chosen = _open_stage(policy, brief, stage)
    if isinstance(chosen, Outcome):
        return chosen
    approvers.bring_forward(brief, chosen)
    session.add(
        Approval(
            brief_id=brief.id,
            stage=chosen,
            round=brief.round,
            approver_id=actor.user_id,
            decision=action.value,
            reason=reason,
            decided_at=now,
        )
    )
    _move(
        session,
        policy,
        brief,
        action,
        actor_id=actor.user_id,
        reason=reason,
        now=now,
        detail={"override": True},
        actor_words=f"{blocks.user(actor.user_id)} (ops admin override)",
    )
    session.flush()
    verb = {Action.APPROVE: "approved", Action.REQUEST_CHANGES: "requested changes at"}
    where = (
        f"; it waits on {messages.waiting_on(policy, brief, mention=False)}" if brief.stage else ""
    )
    return Outcome(
        True,
        f"You {verb.get(action, 'rejected the brief at')} *{messages.stage_label(policy, chosen)}* "
        f"in place of its approvers (recorded with your reason). Brief #{brief.id} is now "
        f"{messages.state_words(brief)}{where}.",
        brief.id,
    )


def assign(
    session: Session,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    assignee_id: str,
    now: datetime,
    stage: str | None = None,
) -> Outcome:
    """An ops admin hands an open stage of the brief (default: the current one) to one person,
    for the rest of the brief's life."""
    hold(session, brief_id)  # before anything is read or written: see bot.briefs.lock
    brief = session.get(Brief, brief_id)
    if brief is None:
        return Outcome(False, f"There is no brief #{brief_id}.")
    if not access.is_ops_admin(policy, actor.user_id, set(actor.group_ids)):
        return Outcome(False, "Only ops admins can hand a stage to someone else.", brief.id)
    if brief.state != BriefState.IN_REVIEW or brief.stage is None:
        return Outcome(
            False,
            f"Brief #{brief.id} is {messages.state_words(brief)}; no stage is waiting.",
            brief.id,
        )
    if assignee_id == brief.requester_id:
        return Outcome(
            False,
            f"<@{assignee_id}> is the requester of brief #{brief.id} and can't decide it; "
            "choose someone else.",
            brief.id,
        )
    chosen = _open_stage(policy, brief, stage)
    if isinstance(chosen, Outcome):
        return chosen
    stage = chosen
    before = access.describe_approvers(approvers.refs(policy, brief, stage), policy, mention=False)
    brief.assignees = {**(brief.assignees or {}), stage: assignee_id}
    brief.updated_at = now
    brief.version += 1  # the buttons drawn before no longer describe who decides
    audit.record(
        session,
        brief_id=brief.id,
        actor_id=actor.user_id,
        action="assign",
        from_state=brief.state,
        to_state=brief.state,
        stage=stage,
        round=brief.round,
        policy_version=policy.version,
        template_version=brief.template_version,
        at=now,
        detail={"assignee": assignee_id},
    )
    label = messages.stage_label(policy, stage)
    messages.refresh_parent(session, policy, brief)
    messages.reply(
        session,
        brief,
        f"{blocks.user(actor.user_id)} assigned *{label}* to "
        f"{blocks.user(assignee_id)} (it waited on {before}). "
        f"{blocks.user(assignee_id)}, it is yours to decide now.",
    )
    staffing.plan_check(session, policy, brief, now)
    session.flush()
    return Outcome(True, f"*{label}* of brief #{brief.id} now waits on <@{assignee_id}>.", brief.id)
