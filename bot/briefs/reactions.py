"""What other domains do when a brief changes, inside the brief's own transaction.

Installed once at start-up by `bot.app.wiring` (this domain imports neither of them: both
import briefs). Until then there are none: a brief alone plans no gate and no reminder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.briefs.workflow import add_stage
from policies.schema import Policy

BriefListener = Callable[[Session, Policy, Brief, datetime], None]
StagePlanner = Callable[[Session, Policy, Brief, datetime], list[str]]
# Another domain's audit event in plain words, or None when it isn't one of theirs.
EventWords = Callable[[Policy, AuditEvent], str | None]
StandingLines = Callable[[Session, Policy, Brief, datetime], list[str]]
# Why the brief may not leave the named stage now (a checklist item open), or None.
StageGuard = Callable[[Session, Policy, Brief, str], str | None]


@dataclass(frozen=True)
class Reactions:
    # Before a (re)submission enters review: stages to add to this round (compliance gates).
    plan_stages: tuple[StagePlanner, ...] = ()
    # After a (re)submission is announced, so that their thread replies follow the parent.
    after_submit: tuple[BriefListener, ...] = ()
    # After every move (reminders re-plan).
    on_change: tuple[BriefListener, ...] = ()
    # The words for their events in a brief's history (compliance checks and confirmations).
    describe: tuple[EventWords, ...] = ()
    # Lines other domains add where a brief's full view says where it stands (its SLA).
    standing: tuple[StandingLines, ...] = ()
    # Asked before a brief leaves a review stage (its last needed approval).
    leave_stage: tuple[StageGuard, ...] = ()


_installed = Reactions()


def connect(reactions: Reactions) -> None:
    """Install `reactions` in place of any before: connecting twice is connecting once."""
    global _installed
    _installed = reactions


def connected() -> Reactions:
    return _installed


def plan_stages(session: Session, policy: Policy, brief: Brief, now: datetime) -> None:
    """Add the stages other domains ask for (a compliance gate) to the brief's review."""
    stages = list(brief.stages)
    for planner in _installed.plan_stages:
        for extra in planner(session, policy, brief, now):
            stages = add_stage(stages, extra, stage_index=brief.stage_index)
    brief.stages = stages


def after_submit(session: Session, policy: Policy, brief: Brief, now: datetime) -> None:
    for listener in _installed.after_submit:
        listener(session, policy, brief, now)


def on_change(session: Session, policy: Policy, brief: Brief, now: datetime) -> None:
    for listener in _installed.on_change:
        listener(session, policy, brief, now)


def describe(policy: Policy, event: AuditEvent) -> str | None:
    """Another domain's words for `event`, or None (then it is one of the brief's own moves)."""
    for words in _installed.describe:
        if (described := words(policy, event)) is not None:
            return described
    return None


def standing(session: Session, policy: Policy, brief: Brief, now: datetime) -> list[str]:
    return [line for lines in _installed.standing for line in lines(session, policy, brief, now)]


def leave_refusal(session: Session, policy: Policy, brief: Brief, stage: str) -> str | None:
    """The first reason another domain gives why the brief can't leave `stage` now, or None."""
    for guard in _installed.leave_stage:
        if (why := guard(session, policy, brief, stage)) is not None:
            return why
    return None
