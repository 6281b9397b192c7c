"""Who may do what, from policy and the Slack user groups a person is in. Pure.

Group membership comes from Slack (usergroups.users.list) and is passed in by the caller as a set
of usergroup ids ("S01BRAND"); nothing here looks anything up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from policies.schema import Group, Policy


def group_for_ref(policy: Policy, ref: str) -> Group | None:
    return policy.groups.get(ref) if ref.startswith("@") else None


def stage_approver_refs(policy: Policy, stage_name: str | None) -> list[str]:
    """Who decides a stage: the workflow stage's approvers, else the compliance gate's.

    A brief keeps the stage names it was submitted with; if a later policy drops one of them,
    the ops admins decide it, so no brief is left where nobody may act."""
    if stage_name is None:
        return []
    stage = policy.stage(stage_name)
    if stage is not None:
        return list(stage.approvers)
    gate = policy.compliance.gate_stages.get(stage_name)
    return list(gate) if gate else list(policy.roles.ops_admins)


def may_decide(refs: Iterable[str], user_id: str, user_group_ids: set[str], policy: Policy) -> bool:
    """True when the user is named in `refs` directly or through a declared group."""
    for ref in refs:
        if ref == user_id:
            return True
        group = group_for_ref(policy, ref)
        if group is not None and group.usergroup_id in user_group_ids:
            return True
    return False


def describe_approvers(refs: Iterable[str], policy: Policy, mention: bool = True) -> str:
    """Slack mrkdwn naming the people: groups as <!subteam^ID|@handle>, users as <@U…>.

    With mention=False groups are named in bold without notifying them (escalations, lists)."""
    names: list[str] = []
    for ref in dict.fromkeys(refs):
        group = group_for_ref(policy, ref)
        if group is not None and mention:
            names.append(f"<!subteam^{group.usergroup_id}|{ref}>")
        elif ref.startswith("@"):
            names.append(f"*{ref}*")  # undeclared now (policy changed): name it, don't ping
        else:
            names.append(f"<@{ref}>")
    return _either(names)


def describe_approvers_plain(
    refs: Iterable[str], user_name: Callable[[str], str | None] | None = None
) -> str:
    """The people in plain text, for where Slack shows no mrkdwn (a modal's inline error):
    groups as @handle, users as @name when `user_name` knows them (e.g. their Slack display
    name), else as @ and their id. Nobody is notified."""
    names = [
        ref if ref.startswith("@") else "@" + ((user_name(ref) if user_name else None) or ref)
        for ref in dict.fromkeys(refs)
    ]
    return _either(names)


def _either(names: list[str]) -> str:
    """The names as one would say them: a; a or b; a, b or c; nobody for none."""
    if not names:
        return "nobody"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def is_ops_admin(policy: Policy, user_id: str, user_group_ids: set[str]) -> bool:
    return may_decide(policy.roles.ops_admins, user_id, user_group_ids, policy)


def roles_for(
    policy: Policy,
    *,
    user_id: str,
    user_group_ids: set[str],
    requester_id: str,
    stage_name: str | None,
) -> set[str]:
    """The roles (requester, approver, ops_admin) a person holds on one brief right now."""
    roles: set[str] = set()
    if user_id == requester_id:
        roles.add("requester")
    if is_ops_admin(policy, user_id, user_group_ids):
        roles.add("ops_admin")
    if may_decide(stage_approver_refs(policy, stage_name), user_id, user_group_ids, policy):
        roles.add("approver")
    return roles


def may_cancel(policy: Policy, roles: set[str]) -> bool:
    return bool(roles & set(policy.roles.cancel))


def may_reopen(policy: Policy, roles: set[str]) -> bool:
    return bool(roles & set(policy.roles.reopen))


def describe_roles(roles: Iterable[str], policy: Policy) -> str:
    """Who holds these roles, in words: "the requester or *@mops-admins*"."""
    words = {
        "requester": "the requester",
        "approver": "the current stage's approvers",
        "ops_admin": describe_approvers(policy.roles.ops_admins, policy, mention=False),
    }
    named = [words[role] for role in dict.fromkeys(roles)]
    return " or ".join(named) if named else "nobody"
