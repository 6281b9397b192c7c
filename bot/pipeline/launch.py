"""What stops a brief from launching now, as plain values with plain words.

`blockers` asks every source in `SOURCES` and returns all they find; an empty list means the
launch may go. Each blocker has a stable `key` (so its owners are told once, not every tick),
the people to tell, and a sentence a person can act on. The launch stage's checklist is one of
the sources.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs import messages as brief_messages
from bot.briefs.models import Approval, Brief
from bot.briefs.workflow import Action, BriefState
from bot.compliance import service as compliance
from bot.pipeline import service
from bot.pipeline.checklists import service as checklists
from bot.pipeline.models import PipelineTask, WorkStatus
from bot.slack import blocks
from policies import access
from policies.checklists import LAUNCH, REQUESTER
from policies.schema import Policy

LAUNCHABLE = (BriefState.APPROVED, BriefState.SCHEDULED)


@dataclass(frozen=True)
class Blocker:
    """One reason a launch can't go yet."""

    kind: str  # "brief", "gate", "task" (and "checklist" from the assets lane)
    # Stable while the reason stands: "task:12" (not done), "task:12:blocked". A key told once
    # is not told again; nor is "task:12" after "task:12:blocked" (its owners know already).
    key: str
    text: str  # plain words, Slack mrkdwn, e.g. "*Design asset* (@dana) is blocked: ..."
    # Who can clear it: user ids or policy refs ("@legal-team"), told when the launch waits.
    owners: tuple[str, ...] = field(default=())


BlockerSource = Callable[[Session, Policy, Brief, datetime], list[Blocker]]


def brief_blockers(session: Session, policy: Policy, brief: Brief, now: datetime) -> list[Blocker]:
    """The brief itself must be approved (every review stage, compliance gates included)."""
    if brief.state in LAUNCHABLE:
        return []
    return [
        Blocker(
            "brief",
            f"brief:{brief.state}",
            f"the brief is {brief_messages.state_words(brief)}, not approved",
            (brief.requester_id,),
        )
    ]


def gate_blockers(session: Session, policy: Policy, brief: Brief, now: datetime) -> list[Blocker]:
    """The compliance gate: every gate stage its copy needs has approved it in this round.
    Approval of the brief includes its gates; this holds when the rules changed since."""
    review = compliance.lint_brief(policy, brief.fields)
    needed = compliance.gate_stages(policy, review, [])
    if not needed:
        return []
    approved = set(
        session.scalars(
            select(Approval.stage).where(
                Approval.brief_id == brief.id,
                Approval.round == brief.round,
                Approval.decision == Action.APPROVE.value,
            )
        )
    )
    found = []
    for stage in needed:
        if stage in approved:
            continue
        refs = access.stage_approver_refs(policy, stage)
        who = access.describe_approvers(refs, policy, mention=False)
        found.append(
            Blocker(
                "gate",
                f"gate:{stage}",
                f"the compliance gate *{brief_messages.stage_label(policy, stage)}* has not "
                f"approved the copy ({who})",
                tuple(refs),
            )
        )
    return found


def task_blockers(session: Session, policy: Policy, brief: Brief, now: datetime) -> list[Blocker]:
    """Every required task of the brief's round that is not done."""
    found = []
    for task in service.tasks_of(session, brief):
        if not task.required or not task.is_open:
            continue
        owner = task.assignee_id or task.owner_ref
        who = blocks.user(owner) if task.assignee_id else owner
        if task.status == WorkStatus.BLOCKED:
            # No reason: its words were removed (retention, /mops forget); it is still blocked.
            why = (
                f"is blocked: “{blocks.escape(task.blocked_reason)}”"
                if task.blocked_reason
                else "is blocked"
            )
        else:
            why = "is not done"
            waiting = service.open_dependencies(session, task)
            if waiting:
                why += f" (it waits on {', '.join(f'*{t.label}*' for t in waiting)})"
        found.append(
            Blocker(
                "task",
                f"task:{task.id}" + (":blocked" if task.status == WorkStatus.BLOCKED else ""),
                f"*{task.label}* ({who}) {why}",
                (owner,),
            )
        )
    return found


def checklist_blockers(
    session: Session, policy: Policy, brief: Brief, now: datetime
) -> list[Blocker]:
    """The launch stage's required checklist items still open (variants not accepted, images
    the wrong size, an item a person ticks)."""
    found = []
    for state in checklists.blocking(session, policy, brief, LAUNCH):
        owner = state.item.owner
        who = brief.requester_id if owner in (None, REQUESTER) else owner
        found.append(
            Blocker(
                "checklist",
                f"checklist:{state.item.id}",
                f"*{blocks.escape(state.item.label)}*: {state.open}",
                (who,),
            )
        )
    return found


SOURCES: tuple[BlockerSource, ...] = (
    brief_blockers,
    gate_blockers,
    task_blockers,
    checklist_blockers,
)


def blockers(session: Session, policy: Policy, brief: Brief, now: datetime) -> list[Blocker]:
    """Everything that stops the brief from launching now; [] when it may go."""
    return [found for source in SOURCES for found in source(session, policy, brief, now)]


def untold(found: list[Blocker], told: list[str]) -> list[Blocker]:
    """The blockers whose owners were not told yet (see `Blocker.key`)."""
    return [
        blocker
        for blocker in found
        if blocker.key not in told and not any(key.startswith(f"{blocker.key}:") for key in told)
    ]


def blockers_text(found: list[Blocker]) -> str:
    return "\n".join(f"• {blocker.text}" for blocker in found)


__all__ = ["SOURCES", "Blocker", "BlockerSource", "PipelineTask", "blockers", "blockers_text"]
