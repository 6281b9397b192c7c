"""What /metrics counts, in plain words for `/mops health`: Slack messages waiting or refused,
background work, what was sent in the last 24 hours, and the intake model in use (the policy's
version is in the readiness section).

Read from the shared database (so every instance tells the same), except the 429s, which only
this instance's counters know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app.channel_health import REPORT_TASK
from bot.briefs.staffing import CHECK_TASK
from bot.core import metrics
from bot.digests.models import DigestRun
from bot.experiments.flows import RESULTS_FILE_TASK
from bot.intake.service import CLASSIFY_TASK
from bot.sla.models import Reminder, ReminderKind
from bot.slack import outbox
from bot.slack.blocks import escape, local_time
from bot.slack.health import Section
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.tasks.models import Task, TaskStatus

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

DAY = timedelta(hours=24)
TASK_LAG = timedelta(minutes=5)  # background work waiting longer than this needs a look
# What each kind of background task does, for people.
TASK_WORDS = {
    CLASSIFY_TASK: "sorting intake messages",
    CHECK_TASK: "checking who can decide a stage",
    RESULTS_FILE_TASK: "reading experiment results files",
    REPORT_TASK: "telling admins about refused posts",
}


@dataclass
class Facts:
    now: datetime
    pending: int = 0
    oldest_due: timedelta | None = None
    failed: int = 0  # outbox rows given up on in the last 24 hours
    last_failure: tuple[datetime, str] | None = None
    tasks: dict[str, int] = field(default_factory=dict)
    oldest_task: timedelta | None = None
    tasks_failed: int = 0
    reminders: dict[str, int] = field(default_factory=dict)
    digests: int = 0


def read(session: Session, now: datetime) -> Facts:
    since = now - DAY
    facts = Facts(now)
    pending = OutboxMessage.status == OutboxStatus.PENDING
    facts.pending = session.scalar(select(func.count()).where(pending)) or 0
    facts.oldest_due = outbox.oldest_due_age(session, now)
    failed = (OutboxMessage.status == OutboxStatus.FAILED) & (OutboxMessage.created_at >= since)
    facts.failed = session.scalar(select(func.count()).where(failed)) or 0
    latest = session.execute(
        select(OutboxMessage.created_at, OutboxMessage.last_error)
        .where(failed)
        .order_by(OutboxMessage.created_at.desc())
        .limit(1)
    ).first()
    if latest is not None:
        facts.last_failure = (latest[0], latest[1] or "no reason given")
    waiting = Task.status == TaskStatus.PENDING
    facts.tasks = {
        kind: count
        for kind, count in session.execute(
            select(Task.kind, func.count()).where(waiting).group_by(Task.kind)
        )
    }
    oldest = session.scalar(select(func.min(Task.created_at)).where(waiting))
    facts.oldest_task = now - oldest if oldest is not None else None
    facts.tasks_failed = (
        session.scalar(
            select(func.count()).where(Task.status == TaskStatus.FAILED, Task.created_at >= since)
        )
        or 0
    )
    facts.reminders = {
        kind: count
        for kind, count in session.execute(
            select(Reminder.kind, func.count())
            .where(Reminder.sent_at >= since)
            .group_by(Reminder.kind)
        )
    }
    facts.digests = (
        session.scalar(
            select(func.count()).where(DigestRun.sent_at >= since, DigestRun.empty.is_(False))
        )
        or 0
    )
    return facts


def sections(runtime: Runtime) -> list[Section]:
    with runtime.db.read() as session:
        facts = read(session, runtime.clock())
    lag = timedelta(seconds=runtime.settings.ready_outbox_lag)
    model = runtime.intake_models().loaded_version()
    return [messages(facts, lag), background(facts), sent(facts, model)]


def messages(facts: Facts, lag: timedelta) -> Section:
    lines = []
    if facts.pending == 0:
        lines.append("No Slack message is waiting to go.")
    else:
        waited = (
            f"; the longest-waiting has waited {span(facts.oldest_due)}"
            if facts.oldest_due is not None
            else " (held for later: quiet hours or Slack's pace)"
        )
        lines.append(
            f"{count(facts.pending, 'Slack message is', 'Slack messages are')} "
            f"waiting to go{waited}."
        )
    if facts.failed and facts.last_failure is not None:
        at, error = facts.last_failure
        lines.append(
            f"{count(facts.failed, 'message', 'messages')} couldn't be sent in the last 24 hours; "
            f"the latest, {local_time(at)}, because of `{escape(error)}`."
        )
    slowed = metrics.ratelimited_counts()
    if slowed:
        by_method = ", ".join(f"{method} {n}" for method, n in sorted(slowed.items()))
        lines.append(
            f"Slack asked me to slow down {count(sum(slowed.values()), 'time', 'times')} since "
            f"this instance started ({by_method}); those messages waited and went."
        )
    late = facts.oldest_due is not None and facts.oldest_due >= lag
    ok = not late and not facts.failed
    return Section("Slack messages" if ok else "Slack messages need a look", ok, lines)


def background(facts: Facts) -> Section:
    lines = []
    waiting = sum(facts.tasks.values())
    if not waiting:
        lines.append("No background work is waiting.")
    else:
        what = ", ".join(
            f"{TASK_WORDS.get(kind, kind)} ({n})" for kind, n in sorted(facts.tasks.items())
        )
        oldest = f"; the oldest has waited {span(facts.oldest_task)}" if facts.oldest_task else ""
        lines.append(f"{count(waiting, 'task is', 'tasks are')} waiting: {what}{oldest}.")
    if facts.tasks_failed:
        lines.append(
            f"{count(facts.tasks_failed, 'task', 'tasks')} failed for good in the last 24 hours "
            "(the log has why)."
        )
    late = facts.oldest_task is not None and facts.oldest_task >= TASK_LAG
    ok = not late and not facts.tasks_failed
    return Section("Background work" if ok else "Background work needs a look", ok, lines)


def sent(facts: Facts, model_version: str | None) -> Section:
    reminders = facts.reminders
    lines = [
        f"{count(reminders.get(ReminderKind.REMINDER, 0), 'reminder', 'reminders')}, "
        f"{count(reminders.get(ReminderKind.ESCALATION, 0), 'escalation', 'escalations')}, "
        f"{count(reminders.get(ReminderKind.REPEAT, 0), 'repeated escalation', 'repeated escalations')}"
        f" and {count(facts.digests, 'digest', 'digests')}.",
    ]
    # Without a model the readiness section already says why (none configured, or loading): a
    # second line here said it again, differently.
    if model_version:
        lines.append(f"The intake model in use: `{model_version}`.")
    return Section("Sent in the last 24 hours", True, lines)


def count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def span(length: timedelta | None) -> str:
    seconds = int(length.total_seconds()) if length is not None else 0
    if seconds < 120:
        return count(seconds, "second", "seconds")
    if seconds < 2 * 3600:
        return count(seconds // 60, "minute", "minutes")
    return count(seconds // 3600, "hour", "hours")
