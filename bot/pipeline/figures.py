"""The pipeline in the team's figures: tasks done, open, blocked and late, and for briefs that
went live, how long they waited on approvals (submitted to approved) beside how long they waited
on their tasks (approved to the last task done). For `/mops stats`, the App Home and digests."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.audit.models import AuditEvent
from bot.pipeline.models import OPEN_STATUSES, PipelineTask, WorkStatus
from bot.sla.calendar import business_time


@dataclass(frozen=True)
class PipelineFigures:
    done: int
    open: int
    blocked: int
    late: int
    launched: int  # briefs with tasks that went live in the window
    approvals_hours: float | None  # median, submitted to approved
    tasks_hours: float | None  # median, approved to the last task done

    @property
    def any(self) -> bool:
        return bool(self.done or self.open or self.launched)


def compute(session: Session, *, since: datetime, now: datetime) -> PipelineFigures:
    def count(*where: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(PipelineTask).where(*where)) or 0

    is_open = PipelineTask.status.in_(OPEN_STATUSES)
    approvals, tasks = _waits(session, since, now)
    return PipelineFigures(
        done=count(PipelineTask.status == WorkStatus.DONE, PipelineTask.done_at >= since),
        open=count(is_open),
        blocked=count(PipelineTask.status == WorkStatus.BLOCKED),
        late=count(is_open, PipelineTask.due_at < now),
        launched=len(tasks),
        approvals_hours=statistics.median(approvals) if approvals else None,
        tasks_hours=statistics.median(tasks) if tasks else None,
    )


def _waits(session: Session, since: datetime, now: datetime) -> tuple[list[float], list[float]]:
    """Per brief that went live in the window after its tasks: hours from its first submission
    to its tasks (made at approval), and from then to its last task done."""
    live: dict[int | None, datetime] = {
        brief_id: at
        for brief_id, at in session.execute(
            select(AuditEvent.brief_id, AuditEvent.at).where(
                AuditEvent.action == "go_live", AuditEvent.at >= since, AuditEvent.at <= now
            )
        )
    }
    if not live:
        return [], []
    events = session.execute(
        select(AuditEvent.brief_id, AuditEvent.action, func.min(AuditEvent.at))
        .where(
            AuditEvent.brief_id.in_(live),
            AuditEvent.action.in_(("submit", "tasks_created")),
        )
        .group_by(AuditEvent.brief_id, AuditEvent.action)
    ).all()
    first = {(brief_id, action): at for brief_id, action, at in events}
    last_done: dict[int, datetime | None] = {
        brief_id: at
        for brief_id, at in session.execute(
            select(PipelineTask.brief_id, func.max(PipelineTask.done_at))
            .where(PipelineTask.brief_id.in_(live), PipelineTask.status == WorkStatus.DONE)
            .group_by(PipelineTask.brief_id)
        )
    }
    approvals, tasks = [], []
    for brief_id in live:
        submitted, approved = (
            first.get((brief_id, "submit")),
            first.get((brief_id, "tasks_created")),
        )
        done = last_done.get(brief_id) if brief_id is not None else None
        if submitted is None or approved is None or done is None:
            continue  # no tasks: nothing to compare
        approvals.append((approved - submitted).total_seconds() / 3600)
        tasks.append(max((done - approved).total_seconds() / 3600, 0.0))
    return approvals, tasks


def lines(figures: PipelineFigures) -> list[str]:
    """Words for the figures; [] when the team has no tasks at all."""
    if not figures.any:
        return []
    found = [
        f"*Tasks:* {figures.done:,} done · {figures.open:,} open"
        f" ({figures.blocked:,} blocked, {figures.late:,} past due)"
    ]
    if figures.approvals_hours is not None and figures.tasks_hours is not None:
        found.append(
            f"*Waiting before launch* ({figures.launched:,} launched): "
            f"{business_time(figures.approvals_hours, 'hour')} on approvals, "
            f"{business_time(figures.tasks_hours, 'hour')} on tasks (medians)"
        )
    return found
