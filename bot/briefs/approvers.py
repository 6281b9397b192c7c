"""Who decides a brief's stage: the policy's approvers, or the one person an ops admin handed
the stage to (`/brief assign`). Every place that asks "who may decide" or "who does it wait on"
for one brief asks here, so an assignment is honoured by decisions, messages and reminders alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs.models import Approval, Brief
from policies import access
from policies.schema import Policy


def refs(policy: Policy, brief: Brief, stage: str | None = None) -> list[str]:
    """The approver refs (group handles, user ids) of `stage` (default: the current one)."""
    stage = stage or brief.stage
    if stage is None:
        return []
    assignee = (brief.assignees or {}).get(stage)
    if assignee:
        return [assignee]
    return access.stage_approver_refs(policy, stage)


def describe(policy: Policy, brief: Brief, mention: bool = True) -> str:
    """The current stage's approvers in words (mrkdwn): "<!subteam^S01|@brand-team>"."""
    return access.describe_approvers(refs(policy, brief), policy, mention=mention)


def group_ids(policy: Policy, refs_: list[str]) -> list[str]:
    """The Slack user group ids among approver refs (to look their members up)."""
    found = (access.group_for_ref(policy, ref) for ref in refs_)
    return [group.usergroup_id for group in found if group is not None]


def people(policy: Policy, refs_: list[str], members: dict[str, frozenset[str]]) -> set[str]:
    """User ids named by `refs_`, groups expanded through `members` (group id -> user ids)."""
    found: set[str] = set()
    for ref in refs_:
        group = access.group_for_ref(policy, ref)
        if group is not None:
            found |= members.get(group.usergroup_id, frozenset())
        elif not ref.startswith("@"):
            found.add(ref)
    return found


def quorum(policy: Policy, brief: Brief) -> int:
    """How many different people must approve the current stage: the policy stage's quorum, one
    for a stage handed to one person or a compliance gate stage."""
    stage = policy.stage(brief.stage)
    if stage is None or (brief.assignees or {}).get(stage.name):
        return 1
    return stage.quorum


def approved_by(session: Session, brief: Brief) -> set[str]:
    """Who has approved the current stage in this round (a delegate's approval counts for the
    person they stood in for), so a quorum counts people, not clicks."""
    rows = session.execute(
        select(Approval.approver_id, Approval.on_behalf_of).where(
            Approval.brief_id == brief.id,
            Approval.stage == (brief.stage or ""),
            Approval.round == brief.round,
            Approval.decision == "approve",
        )
    )
    return {on_behalf_of or approver for approver, on_behalf_of in rows}


@dataclass(frozen=True)
class Tally:
    """Approvals of the current stage so far, against its quorum: "1 of 2"."""

    approved: int
    needed: int

    def words(self, policy: Policy, brief: Brief) -> str:
        label = _stage_label(policy, brief.stage).lower()
        return f"{self.approved} of {self.needed} {label} approvals"


def tally(session: Session, policy: Policy, brief: Brief) -> Tally | None:
    """The current stage's count when it needs more than one approval; None otherwise."""
    needed = quorum(policy, brief)
    if needed <= 1 or brief.stage is None:
        return None
    return Tally(len(approved_by(session, brief)), needed)


def _stage_label(policy: Policy, stage: str | None) -> str:
    found = policy.stage(stage)
    return found.label if found else (stage or "").replace("_", " ")
