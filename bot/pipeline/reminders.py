"""Task SLAs: a reminder before a task is due, an escalation when it is late, repeats after, as
for review stages (policies.sla plans them, on the team's business calendar).

Planned as rows when a task can start; a tick claims due rows (SKIP LOCKED on PostgreSQL), sends
and marks them in one transaction, so no reminder goes twice. A row whose task is no longer open
is cancelled instead. DMs wait out the recipient's quiet hours.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.briefs.models import Brief
from bot.core.logs import get_logger
from bot.pipeline.models import PipelineTask, TaskReminder
from bot.sla import reminders as stage_reminders
from bot.sla.calendar import calendar_for
from bot.sla.models import ReminderKind, ReminderStatus
from bot.slack import blocks
from bot.slack.directory import Directory, DirectoryUnavailable
from bot.slack.models import Priority
from bot.slack.outbox import enqueue
from bot.storage.database import Database
from policies import access
from policies.schema import Policy
from policies.sla import next_repeat, next_send_time, plan_reminders

log = get_logger(__name__)


def deadline(policy: Policy, task: PipelineTask) -> datetime | None:
    """When the task is late: its SLA from when it could start, or its due date, the earlier."""
    found = [task.due_at] if task.due_at is not None else []
    if task.sla_hours is not None and task.ready_at is not None:
        found.append(calendar_for(policy).add_business_hours(task.ready_at, task.sla_hours))
    return min(found) if found else None


def plan(session: Session, policy: Policy, task: PipelineTask, now: datetime) -> None:
    """The task's reminder and escalation, once it can start (never twice: the rows are unique)."""
    if task.ready_at is None or not task.is_open:
        return
    late_at = deadline(policy, task)
    if late_at is None:
        return
    calendar = calendar_for(policy)
    start = task.ready_at
    hours = calendar.business_hours_between(start, late_at)
    if hours <= 0:  # already due when it could start: escalate at once
        planned = [(ReminderKind.ESCALATION, max(now, late_at))]
    else:
        rule = stage_reminders.rule_for(policy)
        planned = [
            (ReminderKind(p.kind), p.due_at)
            for p in plan_reminders(start, hours, rule, calendar, first_repeat=False)
        ]
    for kind, due_at in planned:
        _add(session, task.id, kind, 0, due_at)


def _add(
    session: Session, task_id: int, kind: ReminderKind, sequence: int, due_at: datetime
) -> None:
    try:
        with session.begin_nested():
            session.add(
                TaskReminder(
                    task_id=task_id,
                    kind=kind,
                    sequence=sequence,
                    due_at=due_at,
                    status=ReminderStatus.PENDING,
                )
            )
    except IntegrityError:
        pass  # planned already (a redelivered click, another instance)


def tick(
    db: Database, policy: Policy, directory: Directory, now: datetime, limit: int = 200
) -> int:
    with db.transaction() as session:
        query = (
            select(TaskReminder)
            .where(TaskReminder.status == ReminderStatus.PENDING, TaskReminder.due_at <= now)
            .order_by(TaskReminder.due_at)
            .limit(limit)
        )
        if db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        return sum(_send(session, policy, directory, row, now) for row in session.scalars(query))


def _send(
    session: Session, policy: Policy, directory: Directory, row: TaskReminder, now: datetime
) -> bool:
    task = session.get(PipelineTask, row.task_id)
    brief = session.get(Brief, task.brief_id) if task is not None else None
    if task is None or brief is None or not task.is_open:
        row.status = ReminderStatus.CANCELLED
        return True
    try:
        people = recipients(policy, task, directory)
    except DirectoryUnavailable:
        log.warning("task_reminder.recipients_unknown", task=task.id, kind=row.kind)
        return False
    row.status = ReminderStatus.SENT
    row.sent_at = now
    late = row.kind != ReminderKind.REMINDER
    calendar = calendar_for(policy)
    quiet = stage_reminders.quiet_hours_for(policy)
    due = f" (due {blocks.local_time(task.due_at)})" if task.due_at else ""
    title = blocks.escape(brief.title)
    text = (
        f":alarm_clock: *{blocks.escape(task.label)}* for brief #{brief.id} *{title}* is late{due}."
        if late
        else f":hourglass: Reminder: *{blocks.escape(task.label)}* for brief #{brief.id} "
        f"*{title}* is yours{due}. Claim, finish or mark it blocked in the brief's thread."
    )
    for person in sorted(people):
        tz = directory.timezone(person) or calendar.timezone
        dm = enqueue(
            session,
            "chat.postMessage",
            {"channel": person, "text": text},
            ordering_key=f"dm:{person}",
            priority=Priority.BULK,
        )
        dm.not_before = next_send_time(now, tz, quiet, fallback_tz=calendar.timezone)
    if row.kind == ReminderKind.ESCALATION:
        _escalate(session, policy, brief, task)
    if late:
        sequence = row.sequence + 1 if row.kind == ReminderKind.REPEAT else 1
        repeat_at = next_repeat(now, stage_reminders.rule_for(policy), calendar)
        _add(session, task.id, ReminderKind.REPEAT, sequence, repeat_at)
    log.info("task_reminder.sent", task=task.id, kind=row.kind, recipients=len(people))
    return True


def recipients(policy: Policy, task: PipelineTask, directory: Directory) -> set[str]:
    """The person it is with; while nobody took it, its owner group's members."""
    if task.assignee_id:
        return {task.assignee_id}
    group = access.group_for_ref(policy, task.owner_ref)
    return set(directory.members(group.usergroup_id)) if group else {task.owner_ref}


def _escalate(session: Session, policy: Policy, brief: Brief, task: PipelineTask) -> None:
    target = policy.reminders.escalate_to
    group = access.group_for_ref(policy, target)
    channel = policy.channels.escalations if group is not None else target
    if not channel:
        return
    mention = f"<!subteam^{group.usergroup_id}> " if group is not None else ""
    who = blocks.user(task.assignee_id) if task.assignee_id else task.owner_ref
    text = (
        f"{mention}:rotating_light: *{blocks.escape(task.label)}* ({who}) for brief #{brief.id} "
        f"*{blocks.escape(brief.title)}* is late; its launch waits on it."
    )
    enqueue(session, "chat.postMessage", {"channel": channel, "text": text, "unfurl_links": False})
