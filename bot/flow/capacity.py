"""The capacity forecast read from the database: the window's stays, who decided at each stage,
and the policy's SLAs, handed to bot/flow/forecast.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit.models import AuditEvent
from bot.briefs.workflow import Action
from bot.flow import forecast, moves
from bot.flow.metrics import StageStays, stage_stays
from bot.flow.service import brief_stage_lists
from bot.sla.calendar import calendar_for, stage_sla_hours
from policies.schema import Policy

DECISIONS = (Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT)


def stage_names(policy: Policy) -> list[str]:
    """The workflow's stages, then the compliance gate's that the workflow does not list."""
    order = [stage.name for stage in policy.workflows.brief.stages]
    return [*order, *(name for name in policy.compliance.gate_stages if name not in order)]


def stays(session: Session, policy: Policy, *, since: datetime, now: datetime) -> StageStays:
    """Every stay in the workflow's and the gate's stages over [since, now], on the business
    clock: what the forecast and the scorecard read."""
    order = [stage.name for stage in policy.workflows.brief.stages]
    return stage_stays(
        moves.read(session, since, now, stage_names(policy)),
        since,
        now,
        calendar_for(policy),
        stage_order=order,
        brief_stages=brief_stage_lists(session, order),
    )


def history(session: Session, policy: Policy, *, now: datetime, days: int) -> forecast.History:
    since = now - timedelta(days=days)
    names = stage_names(policy)
    return forecast.estimate(
        stays(session, policy, since=since, now=now),
        calendar_for(policy),
        since=since,
        now=now,
        reviewers=reviewers_by_stage(session, since, now),
        sla_hours={name: stage_sla_hours(policy, name) for name in names},
        stages=names,
    )


def reviewers_by_stage(session: Session, since: datetime, now: datetime) -> dict[str, int]:
    """How many different people decided at each stage in the window: the stage's capacity."""
    query = (
        select(AuditEvent.stage, func.count(func.distinct(AuditEvent.actor_id)))
        .where(
            AuditEvent.action.in_(DECISIONS),
            AuditEvent.at >= since,
            AuditEvent.at <= now,
            AuditEvent.stage.is_not(None),
        )
        .group_by(AuditEvent.stage)
    )
    return {str(stage): int(count) for stage, count in session.execute(query)}
