"""The brief state machine: states, actions, and every allowed transition in one table.

Pure: a Position (state, stage, round) and an action give the next Position, or IllegalTransition
with a reason a person can read. Multi-stage review lives here too: approving the last stage
approves the brief; any earlier one moves review to the next stage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    LIVE = "live"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    RESUBMIT = "resubmit"
    CANCEL = "cancel"
    SCHEDULE = "schedule"
    GO_LIVE = "go_live"
    REOPEN = "reopen"


# (from state, action) -> to state. APPROVE's target is the brief's next stage until the last.
TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.DRAFT, Action.SUBMIT): State.IN_REVIEW,
    (State.IN_REVIEW, Action.APPROVE): State.APPROVED,
    (State.IN_REVIEW, Action.REQUEST_CHANGES): State.CHANGES_REQUESTED,
    (State.IN_REVIEW, Action.REJECT): State.REJECTED,
    (State.CHANGES_REQUESTED, Action.RESUBMIT): State.IN_REVIEW,
    (State.APPROVED, Action.SCHEDULE): State.SCHEDULED,
    (State.SCHEDULED, Action.GO_LIVE): State.LIVE,
    # A rejected or cancelled brief can be reopened as a draft (ops admins, per policy).
    (State.REJECTED, Action.REOPEN): State.DRAFT,
    (State.CANCELLED, Action.REOPEN): State.DRAFT,
    **{(state, Action.CANCEL): State.CANCELLED for state in (
        State.DRAFT, State.IN_REVIEW, State.CHANGES_REQUESTED, State.APPROVED, State.SCHEDULED)},
}

WHY_NOT = {
    State.APPROVED: "it is already approved; nothing is left to decide",
    State.REJECTED: "it was already rejected",
    State.CANCELLED: "it was already cancelled",
    State.LIVE: "it is already live",
    State.CHANGES_REQUESTED: "it is waiting for the requester's changes",
    State.DRAFT: "it has not been submitted yet",
    State.SCHEDULED: "it is already scheduled",
    State.IN_REVIEW: "it is in review",
}


class IllegalTransition(Exception):
    """The action is not allowed now; str() says why, for the person who tried."""


@dataclass(frozen=True)
class Position:
    state: State | str
    stage_index: int | None = None
    round: int = 1


def apply(position: Position, action: Action, stage_count: int) -> Position:
    state = State(position.state)
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise IllegalTransition(f"can't {action.value.replace('_', ' ')}: {WHY_NOT[state]}.")
    if action == Action.SUBMIT:
        return Position(target, 0, position.round)
    if action == Action.RESUBMIT:
        return Position(target, 0, position.round + 1)
    if action == Action.APPROVE:
        current = position.stage_index or 0
        if current + 1 < stage_count:
            return replace(position, stage_index=current + 1)
        return Position(target, None, position.round)
    return Position(target, None, position.round)


def allowed_actions(position: Position) -> set[Action]:
    state = State(position.state)
    return {action for (source, action) in TRANSITIONS if source == state}
