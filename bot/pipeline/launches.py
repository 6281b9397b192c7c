"""Launch when ready: `/brief schedule ID DATE TIME` records when a brief should go live; at that
time it goes only if nothing blocks it (bot.pipeline.launch), otherwise the owners of what blocks
it are told once and the launch goes as soon as the last blocker clears.

Going live can't be undone, so a ready launch asks for a person's Confirm click in the brief's
thread, unless the policy lists the brief's channel under `pipeline.auto_launch` and its copy
makes no regulated claim. Scheduling is data: each intent is a `pipeline_launches` row with a due
time, claimed by the tick (SKIP LOCKED on PostgreSQL), so any number of instances may tick.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.briefs import messages as brief_messages
from bot.briefs import service as briefs
from bot.briefs.lock import hold, hold_unless_busy
from bot.briefs.models import Brief
from bot.briefs.service import Actor, Outcome
from bot.briefs.workflow import Action, BriefState
from bot.compliance import service as compliance
from bot.core.logs import get_logger
from bot.pipeline import due, messages, reminders, schedule_words
from bot.pipeline import launch as readiness
from bot.pipeline.launch import Blocker
from bot.pipeline.models import PENDING_LAUNCH, Launch, LaunchStatus, PipelineTask, TaskReminder
from bot.pipeline.service import open_dependencies, tasks_of
from bot.sla.calendar import calendar_for
from bot.sla.models import ReminderStatus
from bot.slack import blocks
from bot.slack.actions import ActionId, LaunchRef
from bot.slack.outbox import channel_of, enqueue, ts_of
from bot.storage.database import Database
from policies import access
from policies.schema import Policy

log = get_logger(__name__)


def launch_of(session: Session, brief_id: int) -> Launch | None:
    return session.scalar(select(Launch).where(Launch.brief_id == brief_id))


# -- /brief schedule ID DATE TIME ---------------------------------------------------------------


def schedule(
    session: Session,
    policy: Policy,
    *,
    brief_id: int,
    actor: Actor,
    launch_at: datetime,
    timezone: str,
    now: datetime,
) -> Outcome:
    """Record when the brief should launch (the requester or an ops admin, after approval);
    asking again moves the time."""
    hold(session, brief_id)  # before anything is read or written: see bot.briefs.lock
    brief = session.get(Brief, brief_id)
    if brief is None:
        return Outcome(False, f"There is no brief #{brief_id}.")
    # Who may take it live may set or move its launch: the requester or an ops admin.
    again = brief.state == BriefState.SCHEDULED
    checked = briefs.check_advance(
        session,
        policy,
        brief_id=brief_id,
        actor=actor,
        action=Action.GO_LIVE if again else Action.SCHEDULE,
    )
    if isinstance(checked, Outcome):
        return checked
    if launch_at <= now:
        return Outcome(False, "That time has passed; choose a launch time in the future.", brief.id)
    when = {"launch_at": launch_at.isoformat(), "timezone": timezone}
    if again:
        _record(session, policy, brief, actor.user_id, "launch_moved", now, when)
    else:
        briefs.advance(
            session,
            policy,
            brief_id=brief.id,
            actor=actor,
            action=Action.SCHEDULE,
            now=now,
            detail=when,
        )
    row = launch_of(session, brief.id)
    if row is None:
        row = Launch(brief_id=brief.id, created_at=now, version=1, told=[])
        session.add(row)
    else:
        row.version += 1
    row.launch_at = launch_at
    row.timezone = timezone
    row.requested_by = actor.user_id
    row.status = LaunchStatus.SCHEDULED
    row.told = []
    row.updated_at = now
    _recount_due_dates(session, policy, brief, launch_at, now)
    found = readiness.blockers(session, policy, brief, now)
    pending = (
        f"\nIt goes once these are cleared:\n{readiness.blockers_text(found)}" if found else ""
    )
    how = "by itself" if _goes_by_itself(policy, brief) else "with a *Launch* click"
    brief_messages.reply(
        session,
        brief,
        f":calendar: {blocks.user(actor.user_id)} set the launch for "
        f"{blocks.local_time(launch_at)}; it goes live {how} when nothing blocks it.{pending}",
    )
    session.flush()
    return Outcome(
        True,
        f"Brief #{brief.id} launches {schedule_words.at(launch_at, timezone)} ({timezone}), "
        f"once nothing blocks it{f' ({len(found)} things do now)' if found else ''}.",
        brief.id,
    )


def _recount_due_dates(
    session: Session, policy: Policy, brief: Brief, launch_at: datetime, now: datetime
) -> None:
    """Open tasks' due dates counted back from the launch day now set; their reminders replanned
    (one already sent is not sent again: the rows are unique)."""
    calendar = calendar_for(policy)
    day = launch_at.astimezone(calendar.zone).date()
    for task in tasks_of(session, brief):
        template = policy.pipeline.task(task.name)
        if not task.is_open or template is None or template.due is None:
            continue
        task.due_at = due.due_at(calendar, day, template.due)
        session.execute(
            delete(TaskReminder).where(
                TaskReminder.task_id == task.id, TaskReminder.status == ReminderStatus.PENDING
            )
        )
        reminders.plan(session, policy, task, now)
        task.version += 1  # its message is drawn again, with the new date
        messages.update(session, policy, brief, task, open_dependencies(session, task))


# -- the tick -----------------------------------------------------------------------------------


def tick(db: Database, policy: Policy, now: datetime, limit: int = 100) -> int:
    """Launches whose time has come, and those waiting on blockers: each looked at once."""
    with db.transaction() as session:
        query = (
            select(Launch)
            .where(
                or_(
                    (Launch.status == LaunchStatus.SCHEDULED) & (Launch.launch_at <= now),
                    Launch.status == LaunchStatus.WAITING,
                )
            )
            .order_by(Launch.launch_at)
            .limit(limit)
        )
        if db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        looked = 0
        for row in session.scalars(query).all():
            # A brief someone holds (a decision, a task done) waits for the next tick, which
            # sees their change; waiting here could deadlock on the launch row this tick holds.
            if hold_unless_busy(session, row.brief_id):
                evaluate(session, policy, row, now)
                looked += 1
            else:
                log.info("launch.brief_busy", brief=row.brief_id)
        return looked


def recheck(session: Session, policy: Policy, brief_id: int, now: datetime) -> None:
    """After something that may clear a blocker (a task done): a waiting launch goes now."""
    row = launch_of(session, brief_id)
    if row is not None and row.status == LaunchStatus.WAITING:
        evaluate(session, policy, row, now)


def evaluate(session: Session, policy: Policy, row: Launch, now: datetime) -> None:
    brief = session.get(Brief, row.brief_id)
    if brief is None or brief.state != BriefState.SCHEDULED:
        gone_live = brief is not None and brief.state == BriefState.LIVE
        row.status = LaunchStatus.LAUNCHED if gone_live else LaunchStatus.CANCELLED
        row.updated_at = now
        return
    found = readiness.blockers(session, policy, brief, now)
    if found:
        _wait(session, policy, brief, row, found, now)
    elif _goes_by_itself(policy, brief):
        _go_live(session, policy, brief, row, Actor(brief.requester_id), now, auto=True)
    else:
        _ask(session, policy, brief, row, now)


def _goes_by_itself(policy: Policy, brief: Brief) -> bool:
    return (
        policy.pipeline.auto_launches(brief.fields)
        and not compliance.lint_brief(policy, brief.fields).flagged
    )


def _wait(
    session: Session, policy: Policy, brief: Brief, row: Launch, found: list[Blocker], now: datetime
) -> None:
    """Tell the owners of what blocks the launch: each blocker once, however many ticks pass."""
    first = row.status != LaunchStatus.WAITING
    row.status = LaunchStatus.WAITING
    new = readiness.untold(found, row.told)
    if not new:
        return
    row.told = [*row.told, *(blocker.key for blocker in new)]
    row.updated_at = now
    row.version += 1
    owners = list(dict.fromkeys([brief.requester_id, *(o for b in new for o in b.owners)]))
    who = access.describe_approvers(owners, policy)
    opening = (
        f":hourglass_flowing_sand: Brief #{brief.id} was due to launch "
        f"{blocks.local_time(row.launch_at)}, but it can't go yet:"
        if first
        else ":hourglass_flowing_sand: The launch also waits on:"
    )
    brief_messages.reply(
        session,
        brief,
        f"{opening}\n{readiness.blockers_text(new)}\n{who}: it launches as soon as "
        f"{'this is' if len(found) == 1 else 'these are'} cleared.",
    )
    detail = {"blockers": [b.key for b in new]}
    _record(session, policy, brief, row.requested_by, "launch_waiting", now, detail)


def _ask(session: Session, policy: Policy, brief: Brief, row: Launch, now: datetime) -> None:
    """Ready: a Confirm click launches it (it can't be undone)."""
    if row.status == LaunchStatus.CONFIRMING:
        return
    row.status = LaunchStatus.CONFIRMING
    row.updated_at = now
    row.version += 1
    session.flush()
    value = LaunchRef(row.id, row.version).format()
    review = compliance.lint_brief(policy, brief.fields)
    claims = (
        f" It makes regulated claims ({blocks.escape(', '.join(review.labels))}), approved by "
        "its reviewers."
        if review.flagged
        else ""
    )
    text = (
        f":rocket: Brief #{brief.id} is ready to launch: nothing blocks it (its tasks are done "
        f"and its review passed).{claims} {blocks.user(brief.requester_id)} or "
        f"{access.describe_roles(['ops_admin'], policy)}: *Launch* takes it live now; this can't "
        "be undone."
    )
    buttons = blocks.actions(
        [
            blocks.button("Launch", ActionId.LAUNCH_CONFIRM, value, style="primary"),
            blocks.button("Cancel launch", ActionId.LAUNCH_CANCEL, value),
        ],
        block_id=f"launch_{row.id}",
    )
    brief_messages.reply(
        session, brief, text, extra_blocks=[buttons.to_dict()], message_key=_prompt_key(row)
    )
    _record(session, policy, brief, row.requested_by, "launch_ready", now)


def _record(
    session: Session,
    policy: Policy,
    brief: Brief,
    actor_id: str,
    action: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """A launch event in the brief's audit trail (the brief's state doesn't change)."""
    audit.record(
        session,
        brief_id=brief.id,
        actor_id=actor_id,
        action=action,
        from_state=brief.state,
        to_state=brief.state,
        round=brief.round,
        policy_version=policy.version,
        template_version=brief.template_version,
        at=now,
        detail=detail,
    )


def _prompt_key(row: Launch) -> str:
    return f"launch_prompt:{row.id}:{row.version}"


def _go_live(
    session: Session,
    policy: Policy,
    brief: Brief,
    row: Launch,
    actor: Actor,
    now: datetime,
    *,
    auto: bool,
) -> Outcome:
    detail = {"launch": row.id, "scheduled_by": row.requested_by, "auto_launch": auto}
    outcome = briefs.advance(
        session,
        policy,
        brief_id=brief.id,
        actor=actor,
        action=Action.GO_LIVE,
        now=now,
        detail=detail,
    )
    if outcome.ok:
        row.status = LaunchStatus.LAUNCHED
        row.launched_at = now
        row.updated_at = now
        if auto:
            brief_messages.reply(
                session,
                brief,
                f":rocket: Brief #{brief.id} launched by itself at its time: nothing blocked it "
                f"and its channel launches without a click.",
            )
    return outcome


# -- the Launch / Cancel launch buttons ---------------------------------------------------------


def answer(
    session: Session,
    policy: Policy,
    *,
    ref: LaunchRef,
    actor: Actor,
    confirmed: bool,
    now: datetime,
) -> Outcome:
    row = session.get(Launch, ref.launch_id)
    brief = session.get(Brief, row.brief_id) if row is not None else None
    if row is None or brief is None:
        return Outcome(False, "That launch no longer exists; nothing was done.")
    if row.version != ref.version or row.status != LaunchStatus.CONFIRMING:
        return Outcome(
            False,
            f"This launch prompt no longer applies (brief #{brief.id} is "
            f"{brief_messages.state_words(brief)}); nothing was done.",
            brief.id,
        )
    allowed = briefs.check_advance(
        session, policy, brief_id=brief.id, actor=actor, action=Action.GO_LIVE
    )
    if isinstance(allowed, Outcome):
        return allowed
    if not confirmed:
        row.status = LaunchStatus.CANCELLED
        row.updated_at = now
        row.version += 1
        _record(session, policy, brief, actor.user_id, "launch_cancelled", now)
        _close(
            session,
            brief,
            ref,
            f"{blocks.user(actor.user_id)} cancelled the launch; the brief stays scheduled. `/brief schedule {brief.id} DATE TIME` sets a new one.",
        )
        return Outcome(True, f"Launch cancelled; brief #{brief.id} stays scheduled.", brief.id)
    found = readiness.blockers(session, policy, brief, now)
    if found:
        return Outcome(
            False,
            f"Brief #{brief.id} can't launch now:\n{readiness.blockers_text(found)}",
            brief.id,
        )
    outcome = _go_live(session, policy, brief, row, actor, now, auto=False)
    if outcome.ok:
        _close(
            session,
            brief,
            ref,
            f":rocket: {blocks.user(actor.user_id)} launched brief #{brief.id}.",
        )
    return outcome


def _close(session: Session, brief: Brief, ref: LaunchRef, text: str) -> None:
    key = f"launch_prompt:{ref.launch_id}:{ref.version}"
    hold(session, brief.id)  # the thread's writer, before its outbox row: bot.briefs.lock
    enqueue(
        session,
        "chat.update",
        {
            "channel": channel_of(key),
            "ts": ts_of(key),
            "text": text,
            "blocks": blocks.to_dicts([blocks.section(text)]),
        },
        ordering_key=brief.thread_key,
    )


# -- /brief live ID, and a brief that leaves the schedule -----------------------------------------


def live_refusal(session: Session, policy: Policy, brief_id: int, now: datetime) -> Outcome | None:
    """Why `/brief live` can't take the brief live now (something blocks it), or None."""
    brief = session.get(Brief, brief_id)
    if brief is None or brief.state != BriefState.SCHEDULED:
        return None  # the brief service says why
    found = readiness.blockers(session, policy, brief, now)
    if not found:
        return None
    return Outcome(
        False,
        f"Brief #{brief.id} can't go live yet; nothing was done:\n{readiness.blockers_text(found)}",
        brief.id,
    )


def on_brief_change(session: Session, policy: Policy, brief: Brief, now: datetime) -> None:
    """Wired as a brief reaction: a cancelled brief's launch is off; a brief taken live by
    `/brief live` has launched."""
    if brief.state not in (BriefState.CANCELLED, BriefState.REJECTED, BriefState.LIVE):
        return
    row = launch_of(session, brief.id)
    if row is None or row.status not in PENDING_LAUNCH:
        return
    row.status = LaunchStatus.LAUNCHED if brief.state == BriefState.LIVE else LaunchStatus.CANCELLED
    row.launched_at = now if brief.state == BriefState.LIVE else None
    row.updated_at = now


__all__ = ["PipelineTask", "answer", "evaluate", "launch_of", "schedule", "tick"]
