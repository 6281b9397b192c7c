"""What a person does in the pipeline from Slack, each in its own unit of work: the task buttons
(Claim / Done / Blocked and its form), `/mops tasks`, `/brief schedule ID DATE TIME`,
`/brief live ID`, and the Launch / Cancel launch buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot.briefs import flows as brief_flows
from bot.briefs.lock import hold
from bot.briefs.service import Actor, Outcome, click_already_handled
from bot.briefs.workflow import Action
from bot.compliance import confirmations
from bot.pipeline import forms, launches, overview, service
from bot.pipeline.models import Launch, PipelineTask
from bot.pipeline.service import TaskOutcome
from bot.slack import replies
from bot.slack.actions import LaunchRef, TaskRef
from bot.slack.deliveries import claim_delivery
from bot.slack.replies import Reply
from bot.storage.database import Database
from policies.schema import Policy

TaskWork = Callable[[Session, PipelineTask], TaskOutcome]
RACE_LOST = "Someone else changed this task at the same moment; nothing was done."
# A click that would let a waiting launch go, while the launch tick looked at the same launch
# (each bumps the launch row's version): the task is fine, the click just lost to the tick.
LAUNCH_RACE = (
    "This brief's launch was being checked at that same moment, so your click was not saved; "
    "nothing was done. Press the button again."
)


def _on_task(
    db: Database,
    policy: Policy,
    ref: TaskRef,
    actor: Actor,
    reply: Reply,
    delivery_key: str | None,
    kind: str,
    work: TaskWork,
    now: datetime,
) -> TaskOutcome:
    """Claim the delivery, check who may act on which version, do `work`, answer the person;
    a task done here lets a waiting launch go in the same transaction."""
    try:
        with db.transaction() as session:
            if not claim_delivery(session, delivery_key, kind):
                return TaskOutcome(False, "Already handled.", ref.task_id, duplicate=True)
            # The brief's row before the task is read (bot.briefs.lock): its thread is written.
            brief_id = session.scalar(
                select(PipelineTask.brief_id).where(PipelineTask.id == ref.task_id)
            )
            if brief_id is not None:
                hold(session, brief_id)
            task = session.get(PipelineTask, ref.task_id)
            refusal = service.refusal(session, policy, task, actor, ref.version)
            if refusal is None and task is not None:
                outcome = work(session, task)
            else:
                outcome = refusal or TaskOutcome(False, "That task no longer exists.")
            if outcome.ok and outcome.brief_id is not None:
                launches.recheck(session, policy, outcome.brief_id, now)
            replies.ephemeral(session, reply, outcome.message)
            return outcome
    except StaleDataError as exc:
        # SQLAlchemy names the table whose row changed under us: the task, or its launch.
        said = LAUNCH_RACE if f"'{Launch.__tablename__}'" in str(exc) else RACE_LOST
        replies.tell(db, reply, said)
        return TaskOutcome(False, said, ref.task_id)


# What a button does to a task, by its name: Claim, Done.
BUTTONS: dict[str, Callable[[Session, Policy, PipelineTask, Actor, datetime], TaskOutcome]] = {
    "claim": service.claim,
    "done": service.finish,
}


def press(
    db: Database,
    policy: Policy,
    *,
    button: str,
    ref: TaskRef,
    actor: Actor,
    reply: Reply,
    delivery_key: str | None,
    now: datetime,
) -> TaskOutcome:
    """Claim or Done on a task's message."""
    act = BUTTONS[button]
    return _on_task(
        db,
        policy,
        ref,
        actor,
        reply,
        delivery_key,
        "action",
        lambda session, task: act(session, policy, task, actor, now),
        now,
    )


def block(
    db: Database,
    policy: Policy,
    *,
    ref: TaskRef,
    actor: Actor,
    reason: str,
    reply: Reply,
    delivery_key: str | None,
    now: datetime,
) -> TaskOutcome:
    return _on_task(
        db,
        policy,
        ref,
        actor,
        reply,
        delivery_key,
        "view",
        lambda s, t: service.block(s, policy, t, actor, reason, now),
        now,
    )


def blocked_form(
    db: Database,
    policy: Policy,
    *,
    ref: TaskRef,
    actor: Actor,
    reply: Reply,
    delivery_key: str | None,
) -> dict | None:
    """The form asking what blocks the task, or None after telling the person why they can't
    (before they type anything)."""
    with db.read() as session:
        task = session.get(PipelineTask, ref.task_id)
        refusal = service.refusal(session, policy, task, actor, ref.version)
        label = task.label if task is not None else ""
    if refusal is None:
        return forms.blocked_form(ref, label, reply.channel, reply.thread_ts)
    replies.tell(db, reply, refusal.message, delivery_key=delivery_key)
    return None


def my_tasks(db: Database, policy: Policy, actor: Actor) -> str:
    with db.read() as session:
        return overview.tasks_text(session, policy, actor)


def schedule(
    db: Database,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    launch_at: datetime,
    timezone: str,
    now: datetime,
) -> Outcome:
    return brief_flows.run(
        db,
        lambda session: launches.schedule(
            session,
            policy,
            brief_id=brief_id,
            actor=actor,
            launch_at=launch_at,
            timezone=timezone,
            now=now,
        ),
    )


def go_live(db: Database, policy: Policy, *, brief_id: int, actor: Actor, now: datetime) -> Outcome:
    """`/brief live ID`: only when nothing blocks the launch; flagged copy still asks for a
    Confirm click in the thread (bot.compliance.confirmations)."""

    def work(session: Session) -> Outcome:
        hold(session, brief_id)  # before anything is read or written: see bot.briefs.lock
        refusal = launches.live_refusal(session, policy, brief_id, now)
        if refusal is not None:
            return refusal
        return confirmations.request(
            session, policy, brief_id=brief_id, actor=actor, action=Action.GO_LIVE, now=now
        )

    return brief_flows.run(db, work)


def answer_launch(
    db: Database,
    policy: Policy,
    *,
    ref: LaunchRef,
    actor: Actor,
    confirmed: bool,
    reply: Reply,
    delivery_key: str | None,
    now: datetime,
) -> Outcome:
    def work(session: Session) -> Outcome:
        if not claim_delivery(session, delivery_key, "action"):
            return click_already_handled()
        # The brief's row before the launch is read (bot.briefs.lock): its thread is written.
        brief_id = session.scalar(select(Launch.brief_id).where(Launch.id == ref.launch_id))
        if brief_id is not None:
            hold(session, brief_id)
        outcome = launches.answer(
            session, policy, ref=ref, actor=actor, confirmed=confirmed, now=now
        )
        if outcome.ok:
            replies.ephemeral(session, reply, outcome.message)
        return outcome

    return brief_flows.run(db, work, reply)
