"""Owners taken in turns: each task owned by a group goes to its next member (round-robin across
briefs, kept in `pipeline_owner_turns`), then every task of the brief is posted in its thread.

Runs as a durable job after the approval commits: group members are read from Slack by the
prepare step, outside the write lock. When Slack can't say who is in a group, the task is posted
for the whole group, and any member may claim it. People away today (`/mops away`) are skipped:
a task must not sit with someone out of office; when the whole group is away, it is posted for
the group.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs import away
from bot.briefs.lock import hold
from bot.briefs.models import Brief
from bot.pipeline import events, messages, service
from bot.pipeline.models import OwnerTurn, PipelineTask, WorkStatus
from bot.slack.directory import DirectoryUnavailable
from policies import access
from policies.schema import Policy

Members = Callable[[str], frozenset[str]]
TASK_ASSIGNED = "task_assigned"  # a group's task given to its next member in turn


def read_members(members: Members, payload: dict[str, Any]) -> dict[str, list[str] | None]:
    """The prepare step: each owner group's members (None when Slack can't say just now)."""
    found: dict[str, list[str] | None] = {}
    for group_id in payload["group_ids"]:
        try:
            found[group_id] = sorted(members(group_id))
        except DirectoryUnavailable:
            found[group_id] = None
    return found


def assign_and_post(
    session: Session,
    policy: Policy,
    payload: dict[str, Any],
    members: dict[str, Any],
    now: datetime,
) -> None:
    # The brief first, before its tasks (bot.briefs.lock): held only when the posts came, a
    # Claim click holding the brief and waiting on a task updated here deadlocked with it.
    hold(session, payload["brief_id"])
    brief = session.get(Brief, payload["brief_id"])
    if brief is None or brief.round != payload["round"]:
        return
    tasks = service.tasks_of(session, brief)
    for task in tasks:
        group = access.group_for_ref(policy, task.owner_ref)
        if task.assignee_id is None and task.status == WorkStatus.OPEN and group is not None:
            people = [
                person
                for person in members.get(group.usergroup_id) or []
                if person != brief.requester_id
                and away.absence(session, policy, person, now) is None
            ]
            task.assignee_id = next_in_turn(session, task.owner_ref, people)
            if task.assignee_id is not None:
                _record_turn(session, policy, brief, task, now)
    for task in tasks:
        messages.post(session, policy, brief, task, service.open_dependencies(session, task))


def _record_turn(
    session: Session, policy: Policy, brief: Brief, task: PipelineTask, now: datetime
) -> None:
    """Who the bot gave a group's task to is a decision someone may ask about ("why me?"): it goes
    in the trail. Recorded by the bot on the approval's behalf (actor: the requester, as for
    `tasks_created`), so the history says it without a "who"."""
    detail = {"task_id": task.id, "assignee": task.assignee_id, "group": task.owner_ref}
    events.record(
        session, policy, brief, brief.requester_id, TASK_ASSIGNED, now, detail, stage=task.name
    )


def next_in_turn(session: Session, owner_ref: str, people: list[str]) -> str | None:
    """The group's next person, and the turn moved on; None for an empty group."""
    if not people:
        return None
    query = select(OwnerTurn).where(OwnerTurn.owner_ref == owner_ref)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()  # two approvals at once take different turns
    turn = session.scalar(query)
    if turn is None:
        turn = OwnerTurn(owner_ref=owner_ref, turn=0)
        session.add(turn)
    person = sorted(people)[turn.turn % len(people)]
    turn.turn += 1
    return person
