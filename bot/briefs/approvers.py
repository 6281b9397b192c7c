"""Who decides a brief's stage: the policy's approvers, or the one person an ops admin handed
the stage to (`/brief assign`). Every place that asks "who may decide" or "who does it wait on"
for one brief asks here, so an assignment is honoured by decisions, messages and reminders alike.
"""

from __future__ import annotations

from bot.briefs.models import Brief
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
