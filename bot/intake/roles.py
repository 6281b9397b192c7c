"""Who may do what with an intake request: name its label, claim it, mark it done, see the queue.

The requester and @triage may always label; the team it is routed to may say it is not theirs;
that team, @triage and the ops admins do the work (claim, done); the requester may close their
own request too.
"""

from __future__ import annotations

from bot.intake.models import IntakeRequest
from policies import access
from policies.intake_schema import IntakeTaxonomy
from policies.schema import Policy


def _triage(policy: Policy) -> list[str]:
    return [policy.intake.triage_group] if policy.intake.triage_group else []


def _owners(routes: IntakeTaxonomy, request: IntakeRequest) -> list[str]:
    if request.label is None or request.label not in routes.labels:
        return []
    return [routes.route_for(request.label).owner_group]


def workers(policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest) -> list[str]:
    """The refs (groups, people) who work on a routed request."""
    return [*_owners(routes, request), *_triage(policy), *policy.roles.ops_admins]


def may_label(
    policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest, user_id: str, groups: set[str]
) -> bool:
    return user_id == request.user_id or access.may_decide(
        workers(policy, routes, request), user_id, groups, policy
    )


def who_may_label(policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest) -> str:
    refs = [request.user_id, *workers(policy, routes, request)]
    return access.describe_approvers(refs, policy, mention=False)


def may_work(
    policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest, user_id: str, groups: set[str]
) -> bool:
    return access.may_decide(workers(policy, routes, request), user_id, groups, policy)


def who_may_work(policy: Policy, routes: IntakeTaxonomy, request: IntakeRequest) -> str:
    return access.describe_approvers(workers(policy, routes, request), policy, mention=False)


def may_see_queue(policy: Policy, user_id: str, groups: set[str]) -> bool:
    return access.may_decide([*_triage(policy), *policy.roles.ops_admins], user_id, groups, policy)


def who_may_see_queue(policy: Policy) -> str:
    return access.describe_approvers([*_triage(policy), *policy.roles.ops_admins], policy, False)
