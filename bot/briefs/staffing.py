"""A stage nobody may decide: found when the stage starts, told to the requester and ops admins.

The requester may not decide their own brief, so a stage whose only eligible approver is its
requester (the sole member of @brand-team files a brief) would wait forever. Whenever a stage
starts, a task checks who could decide it: group members are read from Slack by the task's
prepare step, outside any transaction, and the answer is posted in the brief's thread with the
ways out (`/brief assign`, `/brief override`). Absent people count only through their delegate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.briefs import approvers, away, messages
from bot.briefs.models import Brief
from bot.briefs.workflow import BriefState
from bot.slack import blocks
from bot.tasks.service import enqueue_task
from policies import access
from policies.schema import Policy

CHECK_TASK = "briefs.check_staffing"

# A user group id -> its members' user ids; may raise while Slack can't say (the task retries).
Members = Callable[[str], frozenset[str]]


def plan_check(session: Session, policy: Policy, brief: Brief, now: datetime) -> None:
    """Ask, after this transaction commits, whether anyone may decide the brief's current stage."""
    if brief.state != BriefState.IN_REVIEW or brief.stage is None:
        return
    refs = approvers.refs(policy, brief)
    payload = {
        "brief_id": brief.id,
        "stage": brief.stage,
        "round": brief.round,
        "group_ids": approvers.group_ids(policy, refs),
    }
    enqueue_task(session, CHECK_TASK, payload, now=now)


def read_members(members: Members, payload: dict[str, Any]) -> dict[str, list[str]]:
    """The prepare step: the stage's groups' members, read from Slack outside a transaction."""
    return {gid: sorted(members(gid)) for gid in payload["group_ids"]}


def check(
    session: Session,
    policy: Policy,
    payload: dict[str, Any],
    members: dict[str, list[str]],
    now: datetime,
) -> None:
    """Post the notice when the stage (still current) has no one but its requester to decide."""
    brief = session.get(Brief, payload["brief_id"])
    if brief is None or (brief.state, brief.stage, brief.round) != (
        BriefState.IN_REVIEW,
        payload["stage"],
        payload["round"],
    ):
        return  # it moved on meanwhile
    known = {g: frozenset(u) for g, u in members.items()}
    for stage in approvers.open_stages(policy, brief):
        named = approvers.people(policy, approvers.refs(policy, brief, stage), known)
        approved = approvers.approved_by(session, brief, stage)
        still_needed = approvers.quorum(policy, brief, stage) - len(approved)
        available = deciders(session, policy, named, brief.requester_id, now) - approved
        if len(available) >= still_needed:
            continue
        notice = (
            stuck_notice(policy, brief, stage, named)
            if not available
            else short_notice(policy, brief, stage, still_needed, len(available))
        )
        messages.reply(session, brief, notice)


def deciders(
    session: Session, policy: Policy, named: set[str], requester_id: str, now: datetime
) -> set[str]:
    """Who can act on a stage whose approvers are `named`: each of them, or their delegate while
    they are away (nobody for an absent person without one), never the requester."""
    acting = {away.stand_in(session, policy, person, now) for person in named}
    return {person for person in acting if person and person != requester_id}


def _who(policy: Policy, brief: Brief, stage: str) -> str:
    return access.describe_approvers(approvers.refs(policy, brief, stage), policy, mention=False)


def stuck_notice(policy: Policy, brief: Brief, stage_name: str, named: set[str]) -> str:
    stage = messages.stage_label(policy, stage_name)
    who = _who(policy, brief, stage_name)
    requester = blocks.user(brief.requester_id)
    if named <= {brief.requester_id} and named:
        why = (
            f"{requester}, you are the only one who can decide *{stage}* ({who}), and nobody "
            "may approve their own brief, so it can't move on its own."
        )
    else:
        why = (
            f"Nobody can decide *{stage}* for this brief: {who} has no one in it who is here "
            f"and isn't the requester ({requester}), so it can't move on its own."
        )
    return f":warning: {why}\n{ways_out(policy, brief, stage_name)}"


def short_notice(policy: Policy, brief: Brief, stage_name: str, needed: int, available: int) -> str:
    """A quorum that can't be reached: fewer people can approve than approvals are needed."""
    stage = messages.stage_label(policy, stage_name)
    who = _who(policy, brief, stage_name)
    return (
        f":warning: *{stage}* needs {needed} more approval{'s' if needed > 1 else ''} from "
        f"{who}, but only {available} {'person' if available == 1 else 'people'} "
        f"besides the requester can give one, so this brief can't be approved on its own.\n"
        f"{ways_out(policy, brief, stage_name)}"
    )


def ways_out(policy: Policy, brief: Brief, stage: str) -> str:
    admins = access.describe_approvers(policy.roles.ops_admins, policy)
    # With parallel stages open, the commands must say which one.
    named = f" {stage}" if len(approvers.open_stages(policy, brief)) > 1 else ""
    return (
        f"{admins}: hand the stage to someone with `/brief assign {brief.id}{named} @person`, or "
        f"decide it yourself with `/brief override {brief.id}{named} approve REASON` "
        "(or `reject REASON`)."
    )
