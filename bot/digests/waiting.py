"""What waits, counted and ranked in the database: per state and stage, how many briefs, how many
past their SLA or due within a day, and the oldest few with their SLA figures.

Digests show counts and the oldest N of each stage. Nobody reads a 100,000-line digest, and no
digest should load 100,000 briefs to say how many there are: a breach is one comparison against
the stage's cutoff (`breach_cutoff`), so the database counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from bot.briefs.models import Brief
from bot.briefs.workflow import BriefState
from bot.flow.columns import current_stage
from bot.sla.calendar import calendar_for, stage_sla_hours
from policies.schema import Policy
from policies.sla import breach_cutoff, sla_status

OPEN_STATES = (BriefState.IN_REVIEW, BriefState.CHANGES_REQUESTED)
DUE_SOON = timedelta(hours=24)
brief_stage = current_stage(Brief.stages, Brief.stage_index)  # a SQL expression, not a value


@dataclass(frozen=True)
class Waiting:
    brief: Brief
    stage: str | None
    age_hours: float  # business hours in the current state/stage
    due_at: datetime | None
    breached: bool


@dataclass(frozen=True)
class Group:
    state: str
    stage: str | None  # None while waiting for changes
    count: int
    breached: int
    due_soon: int  # not breached, due within DUE_SOON
    oldest: list[Waiting]


@dataclass(frozen=True)
class Cutoffs:
    """Per stage with an SLA: entered at or before `breached` is breached now; entered after it
    and at or before `due_soon` falls due within DUE_SOON."""

    breached: datetime
    due_soon: datetime


def cutoffs(policy: Policy, stages: Sequence[str], now: datetime) -> dict[str, Cutoffs]:
    calendar = calendar_for(policy)
    found = {}
    for stage in stages:
        sla = stage_sla_hours(policy, stage)
        if sla is not None:
            found[stage] = Cutoffs(
                breach_cutoff(sla, now, calendar), breach_cutoff(sla, now + DUE_SOON, calendar)
            )
    return found


def stages_in_review(session: Session) -> list[str]:
    return [
        s
        for s in session.scalars(
            select(brief_stage).where(Brief.state == BriefState.IN_REVIEW).distinct()
        )
        if s
    ]


def groups(
    session: Session,
    policy: Policy,
    now: datetime,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    limit: int = 10,
) -> list[Group]:
    """Open briefs by state and stage (workflow order, then other stages, then waiting for
    changes), each with its counts and its `limit` oldest."""
    limits = cutoffs(policy, stages_in_review(session), now)
    in_review = Brief.state == BriefState.IN_REVIEW
    breached = _count_when(
        [
            and_(in_review, brief_stage == stage, Brief.stage_entered_at <= c.breached)
            for stage, c in limits.items()
        ]
    )
    due_soon = _count_when(
        [
            and_(
                in_review,
                brief_stage == stage,
                Brief.stage_entered_at > c.breached,
                Brief.stage_entered_at <= c.due_soon,
            )
            for stage, c in limits.items()
        ]
    )
    rows = list(
        session.execute(
            select(Brief.state, brief_stage, func.count(), breached, due_soon)
            .where(Brief.state.in_(OPEN_STATES), *where)
            .group_by(Brief.state, brief_stage)
        ).all()
    )
    order = [s.name for s in policy.workflows.brief.stages]
    rows.sort(
        key=lambda r: (
            r[0] != BriefState.IN_REVIEW,
            r[1] not in order,
            order.index(r[1]) if r[1] in order else 0,
            r[1] or "",
        )
    )
    return [
        Group(
            state,
            stage,
            count,
            int(b or 0),
            int(d or 0),
            oldest(session, policy, now, state, stage, where=where, limit=limit),
        )
        for state, stage, count, b, d in rows
    ]


def _count_when(conditions: list[ColumnElement[bool]]) -> ColumnElement[int]:
    if not conditions:
        return literal(0)
    return func.sum(case(*[(condition, 1) for condition in conditions], else_=0))


def oldest(
    session: Session,
    policy: Policy,
    now: datetime,
    state: str,
    stage: str | None,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    limit: int = 10,
) -> list[Waiting]:
    """The longest-waiting briefs of one state and stage: the most breached come first."""
    same_stage = brief_stage.is_(None) if stage is None else brief_stage == stage
    query = (
        select(Brief)
        .where(Brief.state == state, same_stage, *where)
        .order_by(Brief.stage_entered_at, Brief.id)
        .limit(limit)
    )
    return [waiting(policy, brief, now) for brief in session.scalars(query)]


def due_soon(session: Session, policy: Policy, now: datetime, *, limit: int = 10) -> list[Waiting]:
    """Briefs not yet breached that fall due within DUE_SOON, soonest first."""
    found: list[Waiting] = []
    for stage, c in cutoffs(policy, stages_in_review(session), now).items():
        query = (
            select(Brief)
            .where(
                Brief.state == BriefState.IN_REVIEW,
                brief_stage == stage,
                Brief.stage_entered_at > c.breached,
                Brief.stage_entered_at <= c.due_soon,
            )
            .order_by(Brief.stage_entered_at, Brief.id)
            .limit(limit)
        )
        found += [waiting(policy, brief, now) for brief in session.scalars(query)]
    return sorted(found, key=lambda item: (item.due_at, item.brief.id))[:limit]


def waiting(policy: Policy, brief: Brief, now: datetime) -> Waiting:
    calendar = calendar_for(policy)
    sla = stage_sla_hours(policy, brief.stage) if brief.state == BriefState.IN_REVIEW else None
    if sla is None:
        hours = calendar.business_hours_between(brief.stage_entered_at, now)
        return Waiting(brief, brief.stage, hours, None, False)
    status = sla_status(brief.stage_entered_at, sla, now, calendar)
    return Waiting(brief, brief.stage, status.elapsed_hours, status.due_at, status.breached)
