"""SLA reminders: rows planned when a brief enters a stage, sent by a tick that any instance may run.

The tick claims due rows (FOR UPDATE SKIP LOCKED on PostgreSQL), writes the DMs, the thread note
and any escalation to the outbox, and marks the rows sent, all in one transaction: two instances
never send the same reminder, and after downtime each overdue row is sent once. A DM waits in the
outbox (not_before) until the recipient's quiet hours are over, in their own time zone.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.briefs import approvers, away, messages
from bot.briefs.lock import hold_unless_busy
from bot.briefs.models import Brief
from bot.briefs.workflow import BriefState
from bot.core import metrics
from bot.core.logs import get_logger
from bot.sla.calendar import as_time, calendar_for, stage_sla_hours
from bot.sla.models import Reminder, ReminderKind, ReminderStatus
from bot.slack import blocks
from bot.slack.actions import ActionId, BriefRef
from bot.slack.directory import Directory, DirectoryUnavailable
from bot.slack.links import WorkspaceLinks
from bot.slack.models import Priority
from bot.slack.outbox import enqueue
from bot.storage.database import Database, after_commit
from policies import access
from policies.schema import Policy
from policies.sla import (
    QuietHours,
    ReminderRule,
    next_repeat,
    next_send_time,
    plan_reminders,
    snooze_until,
)

log = get_logger(__name__)


def rule_for(policy: Policy) -> ReminderRule:
    return ReminderRule(
        first_at=policy.reminders.first_at,
        repeat_every_hours=policy.reminders.repeat_every.business_hours,
    )


def quiet_hours_for(policy: Policy) -> QuietHours:
    quiet = policy.reminders.quiet_hours
    return QuietHours(start=as_time(quiet.start), end=as_time(quiet.end))


# -- planning (runs inside the brief service's transaction) ----------------------------------


def replan(session: Session, policy: Policy, brief: Brief, now: datetime) -> None:  # noqa: ARG001
    """Any action on a brief cancels reminders that no longer apply and plans the current stage's."""
    stale = update(Reminder).where(
        Reminder.brief_id == brief.id, Reminder.status == ReminderStatus.PENDING
    )
    if brief.state != BriefState.IN_REVIEW or brief.stage is None:
        session.execute(stale.values(status=ReminderStatus.CANCELLED))
        return
    session.execute(
        stale.where(or_(Reminder.stage != brief.stage, Reminder.round != brief.round)).values(
            status=ReminderStatus.CANCELLED
        )
    )
    sla = stage_sla_hours(policy, brief.stage)
    if sla is None:
        return
    existing = session.scalar(
        select(Reminder.id).where(
            Reminder.brief_id == brief.id,
            Reminder.stage == brief.stage,
            Reminder.round == brief.round,
        )
    )
    if existing is not None:
        return
    # The first repeat is planned when the escalation is really sent (from that moment), so after
    # downtime the escalation and its repeat don't go out in the same tick.
    for planned in plan_reminders(
        brief.stage_entered_at, sla, rule_for(policy), calendar_for(policy), first_repeat=False
    ):
        session.add(
            Reminder(
                brief_id=brief.id,
                stage=brief.stage,
                round=brief.round,
                kind=planned.kind,
                sequence=planned.sequence,
                due_at=planned.due_at,
                status=ReminderStatus.PENDING,
            )
        )


def snooze(
    session: Session, policy: Policy, *, brief_id: int, option: str, now: datetime
) -> datetime | None:
    """Push the brief's pending reminders for its current stage to the snooze time."""
    brief = session.get(Brief, brief_id)
    if brief is None or brief.state != BriefState.IN_REVIEW:
        return None
    until = snooze_until(now, option, calendar_for(policy))
    session.execute(
        update(Reminder)
        .where(
            Reminder.brief_id == brief.id,
            Reminder.stage == brief.stage,
            Reminder.round == brief.round,
            Reminder.status == ReminderStatus.PENDING,
            Reminder.due_at < until,
        )
        .values(due_at=until)
    )
    return until


# -- the tick -----------------------------------------------------------------------------


def tick(
    db: Database,
    policy: Policy,
    directory: Directory,
    now: datetime,
    limit: int = 200,
    links: WorkspaceLinks | None = None,
) -> int:
    """Send every due reminder once. Returns how many rows were handled (sent or cancelled);
    a reminder whose recipients cannot be looked up now stays pending for the next tick.
    `links` puts a link to the brief's thread in escalations."""
    with db.transaction() as session:
        due = claim_due(session, now, limit=limit, skip_locked=db.is_postgres)
        return sum(
            _send(session, policy, directory, reminder, now, links, skip_busy=db.is_postgres)
            for reminder in due
        )


def claim_due(session: Session, now: datetime, *, limit: int, skip_locked: bool) -> list[Reminder]:
    """The earliest due pending rows, locked for this transaction; rows another instance holds
    are skipped, not waited for (PostgreSQL). Served by the partial index of pending rows."""
    query = (
        select(Reminder)
        .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
        .order_by(Reminder.due_at)
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _send(
    session: Session,
    policy: Policy,
    directory: Directory,
    reminder: Reminder,
    now: datetime,
    links: WorkspaceLinks | None = None,
    *,
    skip_busy: bool = False,
) -> bool:
    """Send one due reminder (or cancel it when its stage has moved on); False when it stays
    pending for a later tick.

    `skip_busy` (PostgreSQL): the brief's row is held first, as a decision holds it
    (bot.briefs.lock), so the reminder and a decision on the brief commit one after the
    other and the thread reads in that order; a brief a decision holds right now is left for
    the next tick, which sees the decision (waiting for it could deadlock: the decision waits
    for this reminder's row, which this tick holds)."""
    if skip_busy and not hold_unless_busy(session, reminder.brief_id):
        log.info("reminder.brief_busy", brief=reminder.brief_id, kind=reminder.kind)
        return False
    brief = session.get(Brief, reminder.brief_id)
    if brief is None or (brief.state, brief.stage, brief.round) != (
        BriefState.IN_REVIEW,
        reminder.stage,
        reminder.round,
    ):
        reminder.status = ReminderStatus.CANCELLED
        return True
    try:
        refs = approvers.refs(policy, brief)
        recipients = recipients_of(session, policy, brief, directory, now)
    except DirectoryUnavailable:
        # Who is in the group is unknown just now, not "nobody": the row stays pending and the
        # next tick tries again, rather than being marked sent with no one told.
        log.warning("reminder.recipients_unknown", brief=brief.id, kind=reminder.kind)
        return False
    reminder.status = ReminderStatus.SENT
    reminder.sent_at = now
    calendar = calendar_for(policy)
    late = reminder.kind != ReminderKind.REMINDER
    for user_id, standing_in_for in sorted(recipients.items()):
        tz = directory.timezone(user_id) or calendar.timezone
        send_at = next_send_time(now, tz, quiet_hours_for(policy), fallback_tz=calendar.timezone)
        _dm(
            session,
            policy,
            brief,
            user_id,
            late=late,
            not_before=send_at,
            standing_in_for=standing_in_for,
        )
    who = access.describe_approvers(refs, policy, mention=False)
    note = (
        f":alarm_clock: Past its SLA: waiting on {who} for *{messages.stage_label(policy, brief.stage)}*."
        if late
        else f":hourglass: Reminder: waiting on {who} for *{messages.stage_label(policy, brief.stage)}*."
    )
    messages.reply(session, brief, note)
    if reminder.kind == ReminderKind.ESCALATION:
        _escalate(session, policy, brief, links)
    if late:
        _plan_next_repeat(session, policy, reminder, now)
    after_commit(session, partial(metrics.reminder_sent, reminder.kind))
    log.info("reminder.sent", brief=brief.id, kind=reminder.kind, recipients=len(recipients))
    return True


def recipients_of(
    session: Session, policy: Policy, brief: Brief, directory: Directory, now: datetime
) -> dict[str, list[str]]:
    """Who a reminder about the brief's stage goes to: its approvers (groups expanded), each
    replaced by their delegate while away (an absent person without one gets none), never the
    requester. Each recipient with the people they stand in for."""
    refs = approvers.refs(policy, brief)
    members = {gid: directory.members(gid) for gid in approvers.group_ids(policy, refs)}
    found: dict[str, list[str]] = {}
    for person in sorted(approvers.people(policy, refs, members)):
        if person == brief.requester_id:
            continue
        acting = away.stand_in(session, policy, person, now)
        if acting is None or acting == brief.requester_id:
            continue
        found.setdefault(acting, [])
        if acting != person:
            found[acting].append(person)
    return found


def stage_approvers(policy: Policy, directory: Directory, stage: str | None) -> set[str]:
    """Who the stage waits on, as Slack user ids: its approvers, groups expanded to members."""
    people: set[str] = set()
    for ref in access.stage_approver_refs(policy, stage):
        group = access.group_for_ref(policy, ref)
        if group is not None:
            people |= directory.members(group.usergroup_id)
        else:
            people.add(ref)
    return people


def _dm(
    session: Session,
    policy: Policy,
    brief: Brief,
    user_id: str,
    *,
    late: bool,
    not_before: datetime,
    standing_in_for: list[str] | None = None,
) -> None:
    stage = messages.stage_label(policy, brief.stage)
    text = (
        f"Brief #{brief.id} *{blocks.escape(brief.title)}* is past its SLA for *{stage}* and waits on you."
        if late
        else f"Brief #{brief.id} *{blocks.escape(brief.title)}* waits on you for *{stage}*."
    )
    if standing_in_for:
        names = ", ".join(blocks.user(person) for person in standing_in_for)
        text += f" You're standing in for {names}, who is away."
    snooze_value = BriefRef(brief.id, brief.version).format()
    built = [
        blocks.section(text),
        blocks.actions(
            [
                *messages.decision_buttons(brief),
                blocks.button("Snooze 1 hour", ActionId.REMINDER_SNOOZE_1H, snooze_value),
                blocks.button("Snooze 1 business day", ActionId.REMINDER_SNOOZE_1BD, snooze_value),
            ]
        ),
    ]
    row = enqueue(
        session,
        "chat.postMessage",
        {"channel": user_id, "text": text, "blocks": blocks.to_dicts(built)},
        ordering_key=f"dm:{user_id}",
        priority=Priority.BULK,  # a wave of reminders goes after what people just clicked
    )
    row.not_before = not_before


def _escalate(session: Session, policy: Policy, brief: Brief, links: WorkspaceLinks | None) -> None:
    """The breach in the escalations channel, with a link to the brief's thread and the stage's
    buttons: whoever is there can open the thread or decide (the same checks as in the thread)."""
    target = policy.reminders.escalate_to
    stage = messages.open_stage_labels(policy, brief)
    group = access.group_for_ref(policy, target)
    channel = policy.channels.escalations if group is not None else target
    if not channel:
        return
    mention = f"<!subteam^{group.usergroup_id}> " if group is not None else ""
    thread = links.posted(session, brief.thread_key) if links is not None else None
    opener = f" <{thread}|Open the thread>" if thread else ""
    text = (
        f"{mention}:rotating_light: Brief #{brief.id} *{blocks.escape(brief.title)}* breached its "
        f"{stage} SLA; waiting on {approvers.describe(policy, brief, mention=False)}.{opener}"
    )
    built = [blocks.section(text), blocks.actions(messages.decision_buttons(brief))]
    enqueue(
        session,
        "chat.postMessage",
        {"channel": channel, "unfurl_links": False, "text": text, "blocks": blocks.to_dicts(built)},
    )


def _plan_next_repeat(session: Session, policy: Policy, reminder: Reminder, now: datetime) -> None:
    # Planned from now, not from when the missed one was due: after downtime one repeat, not many.
    due = next_repeat(now, rule_for(policy), calendar_for(policy))
    sequence = reminder.sequence + 1 if reminder.kind == ReminderKind.REPEAT else 1
    try:
        with session.begin_nested():
            session.add(
                Reminder(
                    brief_id=reminder.brief_id,
                    stage=reminder.stage,
                    round=reminder.round,
                    kind=ReminderKind.REPEAT,
                    sequence=sequence,
                    due_at=due,
                    status=ReminderStatus.PENDING,
                )
            )
    except IntegrityError:
        pass
