"""The brief state machine: states, actions, and every allowed transition in one table.

Pure: a Position (state, stage, round) and an action give the next Position, or IllegalTransition
with a reason a person can read. Who may act (requester, approver, ops admin) is policy's business
(policies.access); this module only knows what may happen next.

Review is multi-stage. A brief carries its own list of stage names (copied from policy at submit,
perhaps with a compliance gate added by `add_stage`), so `apply` takes the list's length: approving
any stage but the last moves review to the next one; approving the last approves the brief.
Live is final. A rejected or cancelled brief can be reopened: it goes back to a draft in the next
round (earlier approvals no longer count), and the requester edits and resubmits it from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class BriefState(StrEnum):
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


class StageMove(StrEnum):
    FIRST = "first"  # review starts at the brief's first stage
    NEXT = "next"  # the next stage, or out of review to the target after the last
    CLEAR = "clear"  # out of review: no current stage


@dataclass(frozen=True)
class Rule:
    target: BriefState
    stage: StageMove = StageMove.CLEAR
    new_round: bool = False  # earlier approvals no longer count
    decides_stage: bool = False  # needs a valid current stage (a reviewer's decision)


S, A = BriefState, Action
# (from state, action) -> what happens. Anything not listed is refused by `apply`.
TRANSITIONS: dict[tuple[BriefState, Action], Rule] = {
    (S.DRAFT, A.SUBMIT): Rule(S.IN_REVIEW, StageMove.FIRST),
    (S.IN_REVIEW, A.APPROVE): Rule(S.APPROVED, StageMove.NEXT, decides_stage=True),
    (S.IN_REVIEW, A.REQUEST_CHANGES): Rule(S.CHANGES_REQUESTED, decides_stage=True),
    (S.IN_REVIEW, A.REJECT): Rule(S.REJECTED, decides_stage=True),
    (S.CHANGES_REQUESTED, A.RESUBMIT): Rule(S.IN_REVIEW, StageMove.FIRST, new_round=True),
    # A reopened brief is a draft of the next round already: submitting it keeps that round.
    (S.REJECTED, A.REOPEN): Rule(S.DRAFT, new_round=True),
    (S.CANCELLED, A.REOPEN): Rule(S.DRAFT, new_round=True),
    (S.DRAFT, A.RESUBMIT): Rule(S.IN_REVIEW, StageMove.FIRST),
    (S.APPROVED, A.SCHEDULE): Rule(S.SCHEDULED),
    (S.SCHEDULED, A.GO_LIVE): Rule(S.LIVE),
    **{
        (state, A.CANCEL): Rule(S.CANCELLED)
        for state in (S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED, S.SCHEDULED)
    },
}
del S, A

# Why an action is refused, by the brief's state; WHY_NOT_FOR overrides for one action.
WHY_NOT = {
    BriefState.DRAFT: "it hasn't been submitted yet",
    BriefState.IN_REVIEW: "it is still in review",
    BriefState.CHANGES_REQUESTED: "it is waiting for the requester's changes",
    BriefState.APPROVED: "it is already approved; nothing is left to decide",
    BriefState.SCHEDULED: "it is already approved and scheduled",
    BriefState.LIVE: "it is already live",
    BriefState.REJECTED: "it was already rejected",
    BriefState.CANCELLED: "it was already cancelled",
}
WHY_NOT_FOR = {
    (BriefState.APPROVED, Action.APPROVE): "it is already approved; nothing is left to approve",
    (BriefState.IN_REVIEW, Action.SUBMIT): "it is already in review",
    (BriefState.IN_REVIEW, Action.RESUBMIT): "it is already in review",
    (BriefState.IN_REVIEW, Action.SCHEDULE): "it isn't approved yet",
    (BriefState.CHANGES_REQUESTED, Action.SCHEDULE): "it isn't approved yet",
    (BriefState.DRAFT, Action.SCHEDULE): "it isn't approved yet",
    (BriefState.IN_REVIEW, Action.GO_LIVE): "it isn't approved yet",
    (BriefState.APPROVED, Action.GO_LIVE): "schedule it first",
    (BriefState.SCHEDULED, Action.SCHEDULE): "it is already scheduled",
    (BriefState.DRAFT, Action.REOPEN): "it is already open, as a draft",
    (BriefState.IN_REVIEW, Action.REOPEN): "it is still open (in review)",
    (BriefState.CHANGES_REQUESTED, Action.REOPEN): "it is still open (waiting for changes)",
    (BriefState.APPROVED, Action.REOPEN): "it is approved, not rejected or cancelled",
    (BriefState.SCHEDULED, Action.REOPEN): "it is scheduled, not rejected or cancelled",
    (BriefState.LIVE, Action.REOPEN): "it is already live",
}


class IllegalTransition(Exception):
    """The action is not allowed now; str() says why, for the person who tried."""


@dataclass(frozen=True)
class Position:
    state: BriefState
    stage_index: int | None = None  # into the brief's own stage list; None outside review
    round: int = 1  # review rounds: each resubmission starts the next one

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", BriefState(self.state))  # accept the stored string


def verb(action: Action) -> str:
    return "go live" if action == Action.GO_LIVE else action.value.replace("_", " ")


def apply(position: Position, action: Action, stage_count: int) -> Position:
    """The position after `action`, for a brief with `stage_count` review stages."""
    action = Action(action)
    rule = TRANSITIONS.get((position.state, action))
    if rule is None:
        why = WHY_NOT_FOR.get((position.state, action), WHY_NOT[position.state])
        raise IllegalTransition(f"can't {verb(action)}: {why}.")
    current = position.stage_index
    if rule.decides_stage and (current is None or not 0 <= current < stage_count):
        raise IllegalTransition(
            f"can't {verb(action)}: the brief is not at a stage of its review "
            f"(stage {current} of {stage_count}); ask an ops admin."
        )
    if rule.stage == StageMove.FIRST and stage_count < 1:
        raise IllegalTransition(f"can't {verb(action)}: the brief has no review stages.")
    round_ = position.round + 1 if rule.new_round else position.round
    if rule.stage == StageMove.FIRST:
        return Position(rule.target, 0, round_)
    if rule.stage == StageMove.NEXT and current is not None and current + 1 < stage_count:
        return Position(position.state, current + 1, round_)
    return Position(rule.target, None, round_)


def add_stage(
    stages: Sequence[str], name: str, *, stage_index: int | None = None, before: str | None = None
) -> list[str]:
    """The brief's stage list with a compliance gate stage `name` added.

    Review never goes back, so the gate goes after the stage being decided now (`stage_index`,
    None when the brief is not in review): just before `before` if that stage is still ahead,
    otherwise last. A stage the brief already has is not added again, wherever it is: the text
    a gate reviews doesn't change during a round, and a resubmission starts from the first stage.
    """
    result = list(stages)
    if name in result:
        return result
    earliest = 0 if stage_index is None else stage_index + 1
    ahead = result[earliest:]
    if before is not None and before in ahead:
        result.insert(earliest + ahead.index(before), name)
    else:
        result.append(name)
    return result
