"""Who decides a brief's stage: the policy's approvers, or the one person an ops admin handed
the stage to (`/brief assign`). Every place that asks "who may decide" or "who does it wait on"
for one brief asks here, so an assignment is honoured by decisions, messages and reminders alike.

Parallel stages (`parallel: true` in policy) are reviewed together: the brief's open stages are
its current stage and the parallel ones right after it. A stage of the group that completes is
moved to the current position and review moves past it (`bring_forward`), so `brief.stage` is
always an open stage and the workflow's one-stage-at-a-time table still holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs.models import Approval, Brief
from policies import access
from policies.schema import Policy


def open_stages(policy: Policy, brief: Brief) -> list[str]:
    """The stages under review now: the current one and the rest of its parallel group."""
    if brief.stage is None or brief.stage_index is None:
        return []
    group = _group_of(policy, brief.stage)
    found = [brief.stage]
    for name in brief.stages[brief.stage_index + 1 :]:
        if group is None or _group_of(policy, name) != group:
            break
        found.append(name)
    return found


def _group_of(policy: Policy, name: str) -> int | None:
    """The policy position of the stage that starts `name`'s parallel group (a stage and the
    parallel ones right after it); None for a stage policy doesn't list (a compliance gate).
    By name, not by place in the brief's list, which `bring_forward` reorders."""
    stages = policy.workflows.brief.stages
    index = next((i for i, stage in enumerate(stages) if stage.name == name), None)
    while index is not None and index > 0 and stages[index].parallel:
        index -= 1
    return index


def bring_forward(brief: Brief, stage: str) -> None:
    """Put an open stage that is being completed at the current position (see module doc)."""
    index = brief.stage_index
    if index is None or brief.stage == stage or stage not in brief.stages[index:]:
        return
    rest = [name for name in brief.stages[index:] if name != stage]
    brief.stages = [*brief.stages[:index], stage, *rest]


def refs(policy: Policy, brief: Brief, stage: str | None = None) -> list[str]:
    """The approver refs (group handles, user ids) of `stage`; without one, of every open stage."""
    if stage is None:
        merged = [ref for name in open_stages(policy, brief) for ref in refs(policy, brief, name)]
        return list(dict.fromkeys(merged))
    assignee = (brief.assignees or {}).get(stage)
    if assignee:
        return [assignee]
    return access.stage_approver_refs(policy, stage)


def describe(policy: Policy, brief: Brief, mention: bool = True) -> str:
    """The open stages' approvers in words (mrkdwn): "<!subteam^S01|@brand-team>"."""
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


def quorum(policy: Policy, brief: Brief, stage_name: str | None = None) -> int:
    """How many different people must approve a stage (default: the current one): the policy
    stage's quorum, one for a stage handed to one person or a compliance gate stage."""
    stage = policy.stage(stage_name or brief.stage)
    if stage is None or (brief.assignees or {}).get(stage.name):
        return 1
    return stage.quorum


def approved_by(session: Session, brief: Brief, stage: str | None = None) -> set[str]:
    """Who has approved a stage (default: the current one) in this round (a delegate's approval
    counts for the person they stood in for), so a quorum counts people, not clicks."""
    rows = session.execute(
        select(Approval.approver_id, Approval.on_behalf_of).where(
            Approval.brief_id == brief.id,
            Approval.stage == (stage or brief.stage or ""),
            Approval.round == brief.round,
            Approval.decision == "approve",
        )
    )
    return {on_behalf_of or approver for approver, on_behalf_of in rows}


@dataclass(frozen=True)
class Tally:
    """Approvals so far of the open stages that need more than one: "1 of 2 legal approvals"."""

    counts: tuple[tuple[str, int, int], ...]  # (stage label, approved, needed)

    def words(self) -> str:
        return ", ".join(
            f"{approved} of {needed} {label.lower()} approvals"
            for label, approved, needed in self.counts
        )


def tally(session: Session, policy: Policy, brief: Brief) -> Tally | None:
    """The open stages' counts when any needs more than one approval; None otherwise."""
    counts = tuple(
        (_stage_label(policy, name), len(approved_by(session, brief, name)), needed)
        for name in open_stages(policy, brief)
        if (needed := quorum(policy, brief, name)) > 1
    )
    return Tally(counts) if counts else None


def _stage_label(policy: Policy, stage: str | None) -> str:
    found = policy.stage(stage)
    return found.label if found else (stage or "").replace("_", " ")
