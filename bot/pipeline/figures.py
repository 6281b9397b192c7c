"""The pipeline in the team's figures: tasks done, open, blocked and late; for briefs that went
live, how long they waited on approvals (submitted to approved), on their tasks (approved to the
last task done), on asset fixes and on checklist ticks (bot.pipeline.waits); and the asset fixes
and ticks that ended in the window or still wait. Business hours on the policy's calendar, as the
SLAs count them. For `/mops stats`, the App Home and digests."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.pipeline import waits as pipeline_waits
from bot.pipeline.events import CHECK_WORDS
from bot.pipeline.models import OPEN_STATUSES, PipelineTask, WorkStatus
from bot.pipeline.waits import ASSET, CHECKLIST, Wait
from bot.sla.calendar import business_time, calendar_for
from bot.slack import blocks
from policies import access
from policies.schema import Policy
from policies.sla import BusinessCalendar


@dataclass(frozen=True)
class PipelineFigures:
    done: int
    open: int
    blocked: int
    late: int
    launched: int  # briefs with tasks that went live in the window
    approvals_hours: float | None  # median, submitted to approved
    tasks_hours: float | None  # median, approved to the last task done
    assets_hours: float | None = None  # median per launched brief, waiting on asset fixes
    checklists_hours: float | None = None  # ... on checklist items a person ticks
    fixes: Kind | None = None  # asset fixes
    ticks: Kind | None = None  # checklist ticks

    @property
    def any(self) -> bool:
        return bool(self.done or self.open or self.launched or self.fixes or self.ticks)


@dataclass(frozen=True)
class Kind:
    """Waits of one kind: those that ended in the window, and those still waiting now."""

    ended: int
    median_hours: float | None  # of those that ended
    waiting: int
    oldest_hours: float  # of those still waiting

    def __bool__(self) -> bool:
        return bool(self.ended or self.waiting)


def compute(session: Session, policy: Policy, *, since: datetime, now: datetime) -> PipelineFigures:
    def count(*where: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(PipelineTask).where(*where)) or 0

    calendar = calendar_for(policy)
    is_open = PipelineTask.status.in_(OPEN_STATUSES)
    found = pipeline_waits.waits(session, policy, since=since, now=now)
    approvals, tasks, assets, checks = _launched(session, calendar, found, since, now)
    return PipelineFigures(
        done=count(PipelineTask.status == WorkStatus.DONE, PipelineTask.done_at >= since),
        open=count(is_open),
        blocked=count(PipelineTask.status == WorkStatus.BLOCKED),
        late=count(is_open, PipelineTask.due_at < now),
        launched=len(tasks),
        approvals_hours=statistics.median(approvals) if approvals else None,
        tasks_hours=statistics.median(tasks) if tasks else None,
        assets_hours=statistics.median(assets) if assets else None,
        checklists_hours=statistics.median(checks) if checks else None,
        fixes=_kind(calendar, [w for w in found if w.kind == ASSET], since, now),
        ticks=_kind(calendar, [w for w in found if w.kind == CHECKLIST], since, now),
    )


def _kind(calendar: BusinessCalendar, found: list[Wait], since: datetime, now: datetime) -> Kind:
    ended = [
        calendar.business_hours_between(w.since, w.until)
        for w in found
        if w.until is not None and since <= w.until <= now
    ]
    waiting = [calendar.business_hours_between(w.since, now) for w in found if w.until is None]
    return Kind(
        len(ended),
        statistics.median(ended) if ended else None,
        len(waiting),
        max(waiting, default=0.0),
    )


def held(calendar: BusinessCalendar, found: list[Wait], brief_id: int, now: datetime) -> float:
    """Business hours in which the brief waited on at least one of `found` (overlaps once)."""
    spans = sorted((w.since, w.until or now) for w in found if w.brief_id == brief_id)
    total, start, end = 0.0, None, None
    for since, until in spans:
        if end is None or since > end:
            if start is not None and end is not None:
                total += calendar.business_hours_between(start, end)
            start, end = since, until
        else:
            end = max(end, until)
    if start is not None and end is not None:
        total += calendar.business_hours_between(start, end)
    return total


def _launched(
    session: Session, calendar: BusinessCalendar, found: list[Wait], since: datetime, now: datetime
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Per brief that went live in the window after its tasks: business hours from its first
    submission to its tasks (made at approval), from then to its last task done, and those it
    waited on asset fixes and on checklist ticks."""
    live: dict[int | None, datetime] = {
        brief_id: at
        for brief_id, at in session.execute(
            select(AuditEvent.brief_id, AuditEvent.at).where(
                AuditEvent.action == "go_live", AuditEvent.at >= since, AuditEvent.at <= now
            )
        )
    }
    if not live:
        return [], [], [], []
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
    approvals, tasks, assets, checks = [], [], [], []
    for brief_id in live:
        submitted, approved = (
            first.get((brief_id, "submit")),
            first.get((brief_id, "tasks_created")),
        )
        done = last_done.get(brief_id) if brief_id is not None else None
        if submitted is None or approved is None or done is None:
            continue  # no tasks: nothing to compare
        approvals.append(calendar.business_hours_between(submitted, approved))
        tasks.append(calendar.business_hours_between(approved, done))
        assert brief_id is not None
        assets.append(held(calendar, [w for w in found if w.kind == ASSET], brief_id, now))
        checks.append(held(calendar, [w for w in found if w.kind == CHECKLIST], brief_id, now))
    return approvals, tasks, assets, checks


def lines(figures: PipelineFigures) -> list[str]:
    """Words for the figures; [] when the team has no tasks at all."""
    if not figures.any:
        return []
    found = []
    if figures.done or figures.open or figures.launched:
        found.append(
            f"*Tasks:* {figures.done:,} done · {figures.open:,} open"
            f" ({figures.blocked:,} blocked, {figures.late:,} past due)"
        )
    if figures.approvals_hours is not None and figures.tasks_hours is not None:
        found.append(
            f"*Waiting before launch* ({figures.launched:,} launched): "
            f"{_hours(figures.approvals_hours)} on approvals, "
            f"{_hours(figures.tasks_hours)} on tasks, "
            f"{_hours(figures.assets_hours)} on asset fixes, "
            f"{_hours(figures.checklists_hours)} on checklist ticks (medians)"
        )
    for kind, heading, noun, ended, waiting in (
        (figures.fixes, "Asset fixes", "asset", "fixed", "to fix"),
        (figures.ticks, "Checklist ticks", "checklist item", "ticked", "to tick"),
    ):
        if kind:
            found.append(f"*{heading}:* {_kind_words(kind, noun, ended, waiting)}")
    return found


def _kind_words(kind: Kind, noun: str, ended: str, waiting: str) -> str:
    """ "1 asset fixed after 2 business hours · 1 asset to fix now, the oldest for 3 ..." """
    parts = []
    if kind.ended and kind.median_hours is not None:
        median = " (median)" if kind.ended > 1 else ""
        parts.append(
            f"{_count(kind.ended, noun)} {ended} after {business_time(kind.median_hours)}{median}"
        )
    if kind.waiting:
        parts.append(
            f"{_count(kind.waiting, noun)} {waiting} now, the oldest for "
            f"{business_time(kind.oldest_hours)}"
        )
    return " · ".join(parts)


def _hours(hours: float | None) -> str:
    return "none" if not hours else business_time(hours)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def waiting_lines(
    session: Session,
    policy: Policy,
    now: datetime,
    *,
    limit: int = 10,
    on: tuple[str, frozenset[str]] | None = None,
    heading: str = "Waiting on assets and checklists",
) -> list[str]:
    """What waits on whom besides approvals and tasks, the longest waits first: assets that
    need a fix (on whoever shared them) and checklist items a person must tick. Named, not
    pinged, as the digest names approvers. `on` = (user id, their group ids): only what waits
    on that person (their own assets, items they or their groups tick)."""
    found = [
        wait
        for wait in pipeline_waits.waits(session, policy, since=now, now=now)
        if wait.until is None
        and (on is None or access.may_decide([wait.who], on[0], set(on[1]), policy))
    ]
    if not found:
        return []
    found.sort(key=lambda wait: (wait.since, wait.brief_id, wait.what))
    calendar = calendar_for(policy)
    titles: dict[int, str] = {
        brief_id: title
        for brief_id, title in session.execute(
            select(Brief.id, Brief.title).where(Brief.id.in_({w.brief_id for w in found}))
        )
    }
    lines = [f"*{heading}* ({len(found):,})"]
    for wait in found[:limit]:
        brief = f"#{wait.brief_id} {blocks.escape(titles.get(wait.brief_id, ''))}"
        who = access.describe_approvers([wait.who], policy, mention=False)
        hours = business_time(calendar.business_hours_between(wait.since, now))
        if wait.kind == ASSET:
            fix = ", ".join(CHECK_WORDS.get(p, p) for p in wait.detail.split(", ") if p)
            lines.append(
                f"• {brief}: {blocks.escape(wait.what)} needs a fix ({fix}), waiting on {who} "
                f"(who shared it) for {hours}"
            )
        else:
            lines.append(
                f"• {brief}: *{blocks.escape(wait.what)}* waits on {who} to tick it, for {hours}"
            )
    if len(found) > limit:
        lines.append(f"  _…and {len(found) - limit:,} more_")
    return lines
