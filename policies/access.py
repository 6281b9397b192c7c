"""Who may do what, from policy and the Slack user groups a person is in. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from policies.schema import Group, Policy


def group_for_ref(policy: Policy, ref: str) -> Group | None:
    return policy.groups.get(ref) if ref.startswith("@") else None


def stage_approver_refs(policy: Policy, stage_name: str | None) -> list[str]:
    """A workflow stage's approvers, or a compliance gate stage's."""
    stage = policy.stage(stage_name)
    if stage is not None:
        return list(stage.approvers)
    return list(policy.compliance.gate_stages.get(stage_name or "", []))


def may_decide(refs: Iterable[str], user_id: str, user_group_ids: set[str], policy: Policy) -> bool:
    for ref in refs:
        group = group_for_ref(policy, ref)
        if group is not None and group.usergroup_id in user_group_ids:
            return True
        if ref == user_id:
            return True
    return False


def describe_approvers(refs: Iterable[str], policy: Policy, mention: bool = True) -> str:
    """Slack mrkdwn naming the people: groups as <!subteam^ID|@handle>, users as <@U…>."""
    names = []
    for ref in refs:
        group = group_for_ref(policy, ref)
        if group is not None:
            names.append(f"<!subteam^{group.usergroup_id}|{ref}>" if mention else f"*{ref}*")
        else:
            names.append(f"<@{ref}>")
    if not names:
        return "nobody"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def is_ops_admin(policy: Policy, user_id: str, user_group_ids: set[str]) -> bool:
    return may_decide(policy.roles.ops_admins, user_id, user_group_ids, policy)


def may_cancel(policy: Policy, roles: set[str]) -> bool:
    return bool(roles & set(policy.roles.cancel))


def may_reopen(policy: Policy, roles: set[str]) -> bool:
    return bool(roles & set(policy.roles.reopen))


def describe_roles(roles: Iterable[str], policy: Policy) -> str:
    words = {"requester": "the requester", "approver": "the current stage's approvers",
             "ops_admin": describe_approvers(policy.roles.ops_admins, policy, mention=False)}
    named = [words[role] for role in roles]
    return " or ".join(named) if named else "nobody"
