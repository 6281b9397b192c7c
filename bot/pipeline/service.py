"""Pipeline tasks: created from the policy's templates when a brief is approved, and what their
owners do with them (claim, done, blocked). Session-level: the caller owns the transaction.

A task can start once the tasks it depends on are done (`ready_at`, the start of its SLA clock);
independent tasks are ready at once and run in parallel. Owners are settled after the commit by a
durable job (bot.pipeline.owners) that reads the owner groups from Slack outside the write lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.briefs.models import Brief
from bot.briefs.service import Actor
from bot.briefs.workflow import BriefState
from bot.pipeline import due, messages, reminders
from bot.pipeline.models import OPEN_STATUSES, PipelineTask, WorkStatus
from bot.sla.calendar import calendar_for
from bot.slack import blocks
from bot.tasks.service import enqueue_task
from policies import access
from policies.pipeline import plan
from policies.schema import Policy

ASSIGN_JOB = "pipeline.assign_owners"  # a bot.tasks job: owners taken in turns, then posted
CLOSED_BRIEF = (BriefState.CANCELLED, BriefState.REJECTED)


@dataclass(frozen=True)
class TaskOutcome:
    ok: bool
    message: str
    task_id: int | None = None
    brief_id: int | None = None
    duplicate: bool = False


# -- queries ----------------------------------------------------------------------------------


def tasks_of(session: Session, brief: Brief) -> list[PipelineTask]:
    """The brief's tasks of its current round, in planned order (dependencies first)."""
    found = list(
        session.scalars(
            select(PipelineTask).where(
                PipelineTask.brief_id == brief.id, PipelineTask.round == brief.round
            )
        )
    )
    order = plan({t.name: t.depends_on for t in found}).order
    return sorted(found, key=lambda t: order.index(t.name))


def open_dependencies(session: Session, task: PipelineTask) -> list[PipelineTask]:
    """The tasks of the same brief and round this one waits on that are not done yet."""
    if not task.depends_on:
        return []
    return list(
        session.scalars(
            select(PipelineTask)
            .where(
                PipelineTask.brief_id == task.brief_id,
                PipelineTask.round == task.round,
                PipelineTask.name.in_(task.depends_on),
                PipelineTask.status != WorkStatus.DONE,
            )
            .order_by(PipelineTask.id)
        )
    )


def tasks_for_person(
    session: Session, actor: Actor, policy: Policy, limit: int = 50
) -> list[PipelineTask]:
    """Open tasks with the person, or unassigned ones of a group they are in, soonest due first."""
    groups = {
        handle for handle, group in policy.groups.items() if group.usergroup_id in actor.group_ids
    }
    rows = session.scalars(
        select(PipelineTask)
        .where(PipelineTask.status.in_(OPEN_STATUSES))
        .where(
            (PipelineTask.assignee_id == actor.user_id)
            | (PipelineTask.assignee_id.is_(None) & PipelineTask.owner_ref.in_(groups or {""}))
        )
        .order_by(PipelineTask.due_at.is_(None), PipelineTask.due_at, PipelineTask.id)
        .limit(limit)
    )
    return list(rows)


# -- created on approval ------------------------------------------------------------------


def on_brief_change(session: Session, policy: Policy, brief: Brief, now: datetime) -> None:
    """Wired as a brief reaction: an approval creates the brief's tasks (once per round); a
    cancelled or rejected brief cancels the open ones."""
    if brief.state == BriefState.APPROVED:
        exists = session.scalar(
            select(PipelineTask.id).where(
                PipelineTask.brief_id == brief.id, PipelineTask.round == brief.round
            )
        )
        if exists is None:
            create_tasks(session, policy, brief, now)
    elif brief.state in CLOSED_BRIEF:
        for task in tasks_of(session, brief):
            if task.is_open:
                task.status = WorkStatus.CANCELLED
                task.updated_at = now
                task.version += 1
                messages.update(session, policy, brief, task, [])


def create_tasks(
    session: Session, policy: Policy, brief: Brief, now: datetime
) -> list[PipelineTask]:
    templates = policy.pipeline.tasks_for(brief.fields)
    if not templates:
        return []
    calendar = calendar_for(policy)
    launch = due.launch_date(policy, brief.fields)
    names = {t.name for t in templates}
    created = []
    for template in templates:
        deps = [d for d in template.depends_on if d in names]  # stages are passed by now
        named = None if access.group_for_ref(policy, template.owner) else template.owner
        task = PipelineTask(
            brief_id=brief.id,
            round=brief.round,
            name=template.name,
            label=template.label,
            owner_ref=template.owner,
            assignee_id=named,
            status=WorkStatus.OPEN,
            required=template.required,
            depends_on=deps,
            due_at=due.due_at(calendar, launch, template.due)
            if launch is not None and template.due is not None
            else None,
            sla_hours=template.sla.business_hours if template.sla is not None else None,
            ready_at=None if deps else now,
            policy_version=policy.version,
            created_at=now,
            updated_at=now,
            version=1,
        )
        session.add(task)
        created.append(task)
    session.flush()
    for task in created:
        reminders.plan(session, policy, task, now)
    waves = plan({t.name: t.depends_on for t in created}).waves
    labels = {t.name: t.label for t in created}
    audit.record(
        session,
        brief_id=brief.id,
        actor_id=brief.requester_id,
        action="tasks_created",
        to_state=brief.state,
        round=brief.round,
        policy_version=policy.version,
        template_version=brief.template_version,
        at=now,
        detail={"tasks": [t.name for t in created], "waves": waves},
    )
    messages.announce_plan(session, brief, [[labels[n] for n in wave] for wave in waves])
    groups = sorted(
        {
            group.usergroup_id
            for t in created
            if (group := access.group_for_ref(policy, t.owner_ref)) is not None
        }
    )
    enqueue_task(
        session,
        ASSIGN_JOB,
        {"brief_id": brief.id, "round": brief.round, "group_ids": groups},
        now=now,
    )
    return created


# -- what owners do ---------------------------------------------------------------------------


def may_work(policy: Policy, task: PipelineTask, actor: Actor) -> bool:
    """The person it is with, anyone the policy names as its owner (a group's members), and
    ops admins."""
    groups = set(actor.group_ids)
    return (
        actor.user_id == task.assignee_id
        or access.may_decide([task.owner_ref], actor.user_id, groups, policy)
        or access.is_ops_admin(policy, actor.user_id, groups)
    )


def refusal(
    session: Session, policy: Policy, task: PipelineTask | None, actor: Actor, version: int | None
) -> TaskOutcome | None:
    """Why `actor` may not act on the task now, or None."""
    if task is None:
        return TaskOutcome(False, "That task no longer exists; nothing was done.")
    if not task.is_open:
        word = "done" if task.status == WorkStatus.DONE else "cancelled"
        return TaskOutcome(False, f"*{task.label}* is already {word}; nothing was done.", task.id)
    if version is not None and version != task.version:
        return TaskOutcome(
            False,
            f"*{task.label}* changed since these buttons were drawn; nothing was done. "
            "The message shows where it stands now.",
            task.id,
        )
    if not may_work(policy, task, actor):
        return TaskOutcome(
            False,
            f"*{task.label}* is for {messages.owner_words(policy, task, mention=False)}; "
            "you can't change it.",
            task.id,
        )
    return None


def claim(
    session: Session, policy: Policy, task: PipelineTask, actor: Actor, now: datetime
) -> TaskOutcome:
    if task.status == WorkStatus.CLAIMED and task.assignee_id == actor.user_id:
        return TaskOutcome(False, f"You're already on *{task.label}*.", task.id)
    was_blocked = task.status == WorkStatus.BLOCKED
    task.assignee_id = actor.user_id
    task.status = WorkStatus.CLAIMED
    task.blocked_reason = None
    _changed(session, policy, task, actor, "task_claimed", now)
    brief = _brief(session, task)
    if was_blocked:
        messages.reply(
            session, brief, f"{blocks.user(actor.user_id)} took up *{task.label}* again."
        )
    messages.update(session, policy, brief, task, open_dependencies(session, task))
    return TaskOutcome(True, f"*{task.label}* is yours.", task.id, task.brief_id)


def finish(
    session: Session, policy: Policy, task: PipelineTask, actor: Actor, now: datetime
) -> TaskOutcome:
    waiting = open_dependencies(session, task)
    if waiting:
        return TaskOutcome(
            False,
            f"*{task.label}* waits on {', '.join(f'*{t.label}*' for t in waiting)}, "
            "which is not done yet; nothing was done.",
            task.id,
        )
    task.status = WorkStatus.DONE
    task.assignee_id = task.assignee_id or actor.user_id
    task.done_at = now
    _changed(session, policy, task, actor, "task_done", now)
    brief = _brief(session, task)
    messages.update(session, policy, brief, task, [])
    messages.reply(
        session, brief, f":white_check_mark: {blocks.user(actor.user_id)} finished *{task.label}*."
    )
    for after in _unblocked_by(session, task, now):
        reminders.plan(session, policy, after, now)
        messages.update(session, policy, brief, after, [])
        if after.assignee_id:
            messages.reply(
                session,
                brief,
                f"{blocks.user(after.assignee_id)}, *{after.label}* can start now.",
            )
    return TaskOutcome(True, f"*{task.label}* is done.", task.id, task.brief_id)


def block(
    session: Session,
    policy: Policy,
    task: PipelineTask,
    actor: Actor,
    reason: str,
    now: datetime,
) -> TaskOutcome:
    if not reason.strip():
        return TaskOutcome(False, "Say what blocks it; nothing was changed.", task.id)
    task.status = WorkStatus.BLOCKED
    task.blocked_reason = reason.strip()
    task.assignee_id = task.assignee_id or actor.user_id
    _changed(session, policy, task, actor, "task_blocked", now, reason=task.blocked_reason)
    brief = _brief(session, task)
    messages.update(session, policy, brief, task, open_dependencies(session, task))
    messages.reply(
        session,
        brief,
        f":no_entry: {blocks.user(actor.user_id)} marked *{task.label}* blocked:\n"
        f">{blocks.escape(task.blocked_reason)}\n{blocks.user(brief.requester_id)}, it holds "
        "up the launch until it is done.",
    )
    return TaskOutcome(True, f"*{task.label}* is marked blocked.", task.id, task.brief_id)


def _brief(session: Session, task: PipelineTask) -> Brief:
    brief = session.get(Brief, task.brief_id)
    assert brief is not None  # tasks are never made without their brief
    return brief


def _unblocked_by(session: Session, task: PipelineTask, now: datetime) -> list[PipelineTask]:
    """The tasks that waited on `task` and wait on nothing now: their SLA clock starts."""
    siblings = session.scalars(
        select(PipelineTask).where(
            PipelineTask.brief_id == task.brief_id,
            PipelineTask.round == task.round,
            PipelineTask.status.in_(OPEN_STATUSES),
            PipelineTask.ready_at.is_(None),
        )
    )
    ready = []
    for after in siblings:
        if task.name in after.depends_on and not open_dependencies(session, after):
            after.ready_at = now
            after.version += 1
            ready.append(after)
    return ready


def _changed(
    session: Session,
    policy: Policy,
    task: PipelineTask,
    actor: Actor,
    action: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    task.updated_at = now
    task.version += 1
    audit.record(
        session,
        brief_id=task.brief_id,
        actor_id=actor.user_id,
        action=action,
        to_state=task.status,
        stage=task.name,
        round=task.round,
        reason=reason,
        policy_version=policy.version,
        at=now,
        detail={"task_id": task.id, "assignee": task.assignee_id},
    )
