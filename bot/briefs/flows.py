"""What a person does to a brief from Slack, each in its own unit of work.

The session-level functions in `service` decide; these open the transaction around them, answer
a refusal to the person in that same transaction (one commit per click), and turn a concurrent
change to the same brief into a polite refusal of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.audit import service as audit
from bot.briefs import away, details, forms, messages, overview, service
from bot.briefs.service import Actor, FormErrors, Outcome, click_already_handled
from bot.briefs.workflow import Action, BriefState
from bot.slack import replies
from bot.slack.deliveries import claim_delivery
from bot.slack.outbox import enqueue
from bot.slack.replies import Reply
from bot.storage.database import Database
from policies.schema import Policy

T = TypeVar("T")
RACE_LOST = Outcome(
    False,
    "Someone else acted on this brief at the same moment; nothing was done. "
    "The message above shows where it stands now.",
)


# -- units of work --------------------------------------------------------------------------


def run(db: Database, work: Callable[[Session], T], reply: Reply | None = None) -> T | Outcome:
    """Run one unit of work. A refusal is answered in the same transaction (one commit per
    click); a concurrent change to the same brief turns into a polite refusal of its own."""
    try:
        with db.transaction() as session:
            result = work(session)
            if reply and isinstance(result, Outcome) and not result.ok and not result.duplicate:
                replies.ephemeral(session, reply, result.message)
            return result
    except StaleDataError:
        if reply:
            replies.tell(db, reply, RACE_LOST.message)
        return RACE_LOST


def check_then_run(
    db: Database,
    check: Callable[[Session], Outcome | None],
    work: Callable[[Session], T],
    reply: Reply,
    delivery_key: str | None,
) -> T | Outcome:
    """`check` in a snapshot first; run `work` in a transaction only when it found no refusal.

    A refused click (a stale button, someone who is not the approver) changes nothing but its
    delivery key and an ephemeral, so it holds SQLite's single write lock for two inserts, not
    for the whole decision. `work` must check again: the snapshot may be a moment old."""
    with db.read() as session:
        refusal = check(session)
    if refusal is None:
        return run(db, work, reply)
    with db.transaction() as session:
        if not claim_delivery(session, delivery_key, "action"):
            return click_already_handled()
        replies.ephemeral(session, reply, refusal.message)
    return refusal


# -- forms ----------------------------------------------------------------------------------


def create(
    db: Database,
    policy: Policy,
    *,
    requester_id: str,
    channel_id: str | None,
    values: dict[str, Any],
    now: datetime,
    delivery_key: str | None,
) -> Outcome | FormErrors:
    """A submitted brief form: the brief in review, or inline errors, or a refusal told."""
    return run(
        db,
        lambda session: service.create(
            session,
            policy,
            requester_id=requester_id,
            channel_id=channel_id or "",
            values=values,
            now=now,
            delivery_key=delivery_key,
        ),
        Reply(channel_id, requester_id),
    )


def resubmit(
    db: Database,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    channel_id: str | None,
    values: dict[str, Any],
    now: datetime,
    delivery_key: str | None,
) -> Outcome | FormErrors:
    return run(
        db,
        lambda session: service.resubmit(
            session,
            policy,
            brief_id=brief_id,
            actor=actor,
            values=values,
            now=now,
            delivery_key=delivery_key,
        ),
        Reply(channel_id, actor.user_id),
    )


def edit_form(db: Database, policy: Policy, *, brief_id: int, reply: Reply) -> dict | None:
    """The edit-and-resubmit modal for the brief's requester; anyone else is told why not."""
    with db.read() as session:
        brief = service.find(session, brief_id)
        if brief is None:
            refusal = f"There is no brief #{brief_id}."
        elif brief.requester_id != reply.user:
            refusal = f"Only <@{brief.requester_id}> can edit and resubmit brief #{brief.id}."
        elif brief.state not in (BriefState.CHANGES_REQUESTED, BriefState.DRAFT):
            refusal = (
                f"Brief #{brief.id} is {messages.state_words(brief)}, not waiting for changes."
            )
        else:
            return forms.brief_form(
                policy, channel_id=brief.channel_id, initial=brief.fields, brief_id=brief.id
            )
    replies.tell(db, reply, refusal)
    return None


# -- decisions ------------------------------------------------------------------------------


def decide(
    db: Database,
    policy: Policy,
    *,
    brief_id: int,
    expected_version: int,
    actor: Actor,
    action: Action,
    now: datetime,
    delivery_key: str | None,
    reply: Reply,
) -> Outcome:
    """A decision clicked in the brief's thread (Approve): checked in a snapshot, then taken."""
    decision: dict[str, Any] = {
        "brief_id": brief_id,
        "actor": actor,
        "action": action,
        "reason": None,
        "expected_version": expected_version,
    }
    return check_then_run(
        db,
        lambda session: service.decision_refusal(session, policy, **decision),
        lambda session: service.decide(
            session, policy, **decision, now=now, delivery_key=delivery_key
        ),
        reply=reply,
        delivery_key=delivery_key,
    )


def reason_form(
    db: Database,
    policy: Policy,
    *,
    brief_id: int,
    version: int,
    actor: Actor,
    action: Action,
    delivery_key: str | None,
    reply: Reply,
) -> dict | None:
    """The modal that asks why (request changes, reject), for someone who may decide now; anyone
    else is told why not at once, before they write a reason for nothing."""
    with db.read() as session:
        refusal = service.decision_refusal(
            session,
            policy,
            brief_id=brief_id,
            actor=actor,
            action=action,
            reason=None,
            expected_version=version,
        )
        brief = service.find(session, brief_id)
        title = brief.title if brief else ""
    if refusal is not None:
        replies.tell(db, reply, refusal.message, delivery_key=delivery_key)
        return None
    return forms.reason_form(brief_id=brief_id, version=version, action=action.value, title=title)


def decide_with_reason(
    db: Database,
    policy: Policy,
    *,
    brief_id: int,
    expected_version: int,
    actor: Actor,
    action: Action,
    reason: str,
    now: datetime,
    delivery_key: str | None,
) -> Outcome:
    """A decision submitted from the reason modal; a refusal is told in the brief's channel."""

    def work(session: Session) -> Outcome:
        outcome = service.decide(
            session,
            policy,
            brief_id=brief_id,
            actor=actor,
            action=action,
            reason=reason,
            expected_version=expected_version,
            now=now,
            delivery_key=delivery_key,
        )
        if not outcome.ok and not outcome.duplicate:
            brief = service.find(session, outcome.brief_id or 0)
            if brief is not None:
                replies.ephemeral(session, Reply(brief.channel_id, actor.user_id), outcome.message)
        return outcome

    return run(db, work)


# -- out of office (/mops away) --------------------------------------------------------------


def standing_in_for(db: Database, policy: Policy, user_id: str, now: datetime) -> list[str]:
    """The people away today who named `user_id` their delegate."""
    with db.read() as session:
        return away.principals(session, policy, user_id, now)


def absence(db: Database, policy: Policy, user_id: str, now: datetime) -> away.Absence | None:
    with db.read() as session:
        return away.absence(session, policy, user_id, now)


def go_away(
    db: Database,
    policy: Policy,
    *,
    user_id: str,
    until: date,
    delegate_id: str | None,
    now: datetime,
) -> away.Absence:
    with db.transaction() as session:
        before = away.absence(session, policy, user_id, now)
        absent = away.set_away(session, user_id, until=until, delegate_id=delegate_id, now=now)
        audit.record(
            session,
            actor_id=user_id,
            action="away",
            policy_version=policy.version,
            at=now,
            detail={"until": until.isoformat(), "delegate": delegate_id},
        )
        if delegate_id is not None:
            text = (
                f"<@{user_id}> is away until {until:%a %d %b %Y} and named you their delegate: "
                "you can decide the brief stages waiting on them, and their reminders come to you."
            )
            _dm(session, delegate_id, text)
        if before is not None and before.delegate_id not in (None, delegate_id):
            instead = f" (<@{delegate_id}> is, now)" if delegate_id else ""
            _dm(
                session,
                before.delegate_id,
                f"<@{user_id}> changed their out of office: you're no longer their "
                f"delegate{instead}. Their stages and reminders don't come to you any more.",
            )
        return absent


def come_back(db: Database, policy: Policy, *, user_id: str, now: datetime) -> bool:
    with db.transaction() as session:
        before = away.absence(session, policy, user_id, now)
        was_away = away.clear(session, user_id)
        if was_away:
            audit.record(
                session, actor_id=user_id, action="back", policy_version=policy.version, at=now
            )
        if before is not None and before.delegate_id is not None:
            _dm(
                session,
                before.delegate_id,
                f"<@{user_id}> is back: their stages and reminders go to them again, so you "
                "no longer decide for them.",
            )
        return was_away


def _dm(session: Session, user_id: str, text: str) -> None:
    """A DM to a delegate, named or no longer needed: they start, and stop, only when told."""
    enqueue(session, "chat.postMessage", {"channel": user_id, "text": text})


# -- /brief ---------------------------------------------------------------------------------


def cancel_form(db: Database, policy: Policy, *, brief_id: int, actor: Actor) -> dict | Outcome:
    """The modal that asks why a brief is cancelled, for someone who may cancel it now; for
    anyone else, why not (before they write a reason for nothing)."""
    with db.read() as session:
        refusal = service.cancel_refusal(session, policy, brief_id=brief_id, actor=actor)
        brief = service.find(session, brief_id)
        if refusal is not None or brief is None:
            return refusal or Outcome(False, f"There is no brief #{brief_id}.")
        return forms.reason_form(
            brief_id=brief.id, version=brief.version, action=Action.CANCEL.value, title=brief.title
        )


def cancel(
    db: Database,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    reason: str,
    now: datetime,
    delivery_key: str | None = None,
    reply: Reply | None = None,
) -> Outcome:
    """Cancel with a reason (from the modal, or typed after `/brief cancel ID`)."""
    return run(
        db,
        lambda session: service.cancel(
            session,
            policy,
            brief_id=brief_id,
            actor=actor,
            reason=reason,
            now=now,
            delivery_key=delivery_key,
        ),
        reply,
    )


def reply_in_brief_channel(db: Database, brief_id: int, user_id: str) -> Reply:
    """Where to tell `user_id` about a brief when the cause (a modal) has no channel."""
    with db.read() as session:
        brief = service.find(session, brief_id)
        return Reply(brief.channel_id if brief else None, user_id)


def reopen(
    db: Database,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    now: datetime,
    delivery_key: str | None = None,
    reply: Reply | None = None,
) -> Outcome:
    """`/brief reopen ID` or the Reopen button: a rejected or cancelled brief back to a draft."""
    return run(
        db,
        lambda session: service.reopen(
            session, policy, brief_id=brief_id, actor=actor, now=now, delivery_key=delivery_key
        ),
        reply,
    )


def override(
    db: Database,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    action: Action,
    reason: str,
    now: datetime,
    stage: str | None = None,
) -> Outcome:
    """`/brief override ID [STAGE] approve|changes|reject REASON` (ops admins)."""
    return run(
        db,
        lambda session: service.override(
            session,
            policy,
            brief_id=brief_id,
            actor=actor,
            action=action,
            reason=reason,
            now=now,
            stage=stage,
        ),
    )


def assign(
    db: Database,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    assignee_id: str,
    now: datetime,
    stage: str | None = None,
) -> Outcome:
    """`/brief assign ID [STAGE] @person` (ops admins)."""
    return run(
        db,
        lambda session: service.assign(
            session,
            policy,
            brief_id=brief_id,
            actor=actor,
            assignee_id=assignee_id,
            now=now,
            stage=stage,
        ),
    )


def listing(db: Database, policy: Policy, actor: Actor, which: str | None = None) -> str:
    """`/brief list [mine|waiting|all]`."""
    with db.read() as session:
        return overview.listing(session, policy, actor, which)


def showing(db: Database, policy: Policy, brief_id: int, now: datetime) -> str | None:
    """`/brief show ID`: every field, where it stands, its history; None when there is none."""
    with db.read() as session:
        brief = service.find(session, brief_id)
        return None if brief is None else overview.full_view(session, policy, brief, now)


def full_brief(db: Database, policy: Policy, brief_id: int) -> dict | None:
    """The *Show full brief* modal; None when there is no such brief."""
    with db.read() as session:
        brief = service.find(session, brief_id)
        return None if brief is None else details.full_brief_modal(policy, brief)
