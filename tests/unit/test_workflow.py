"""The brief state machine."""

from __future__ import annotations

import pytest

from bot.briefs.workflow import (
    TRANSITIONS,
    Action,
    BriefState,
    IllegalTransition,
    Position,
    add_stage,
    apply,
)

# Every legal move, written out by hand (not read from the table) for a two-stage brief.
LEGAL = [
    (Position(BriefState.DRAFT), Action.SUBMIT, Position(BriefState.IN_REVIEW, 0, 1)),
    (Position(BriefState.IN_REVIEW, 0), Action.APPROVE, Position(BriefState.IN_REVIEW, 1, 1)),
    (Position(BriefState.IN_REVIEW, 1), Action.APPROVE, Position(BriefState.APPROVED, None, 1)),
    (
        Position(BriefState.IN_REVIEW, 1),
        Action.REQUEST_CHANGES,
        Position(BriefState.CHANGES_REQUESTED),
    ),
    (Position(BriefState.IN_REVIEW, 0), Action.REJECT, Position(BriefState.REJECTED)),
    (
        Position(BriefState.CHANGES_REQUESTED, None, 1),
        Action.RESUBMIT,
        Position(BriefState.IN_REVIEW, 0, 2),
    ),
    (Position(BriefState.REJECTED, None, 1), Action.REOPEN, Position(BriefState.DRAFT, None, 2)),
    (Position(BriefState.CANCELLED, None, 3), Action.REOPEN, Position(BriefState.DRAFT, None, 4)),
    (Position(BriefState.DRAFT, None, 2), Action.RESUBMIT, Position(BriefState.IN_REVIEW, 0, 2)),
    (Position(BriefState.APPROVED), Action.SCHEDULE, Position(BriefState.SCHEDULED)),
    (Position(BriefState.SCHEDULED), Action.GO_LIVE, Position(BriefState.LIVE)),
    (Position(BriefState.DRAFT), Action.CANCEL, Position(BriefState.CANCELLED)),
    (Position(BriefState.IN_REVIEW, 1), Action.CANCEL, Position(BriefState.CANCELLED)),
    (Position(BriefState.CHANGES_REQUESTED), Action.CANCEL, Position(BriefState.CANCELLED)),
    (Position(BriefState.APPROVED), Action.CANCEL, Position(BriefState.CANCELLED)),
    (Position(BriefState.SCHEDULED), Action.CANCEL, Position(BriefState.CANCELLED)),
]


@pytest.mark.parametrize(("before", "action", "after"), LEGAL)
def test_legal_transitions(before: Position, action: Action, after: Position) -> None:
    assert apply(before, action, 2) == after


def test_the_table_holds_exactly_the_legal_moves() -> None:
    assert set(TRANSITIONS) == {(before.state, action) for before, action, _ in LEGAL}


def test_everything_else_is_refused() -> None:
    legal = {(before.state, action) for before, action, _ in LEGAL}
    for state in BriefState:
        for action in Action:
            if (state, action) in legal:
                continue
            with pytest.raises(IllegalTransition, match=r"^can't .+\.$"):
                apply(Position(state, 0 if state == BriefState.IN_REVIEW else None), action, 2)


@pytest.mark.parametrize(
    ("state", "action", "reason"),
    [
        (
            BriefState.APPROVED,
            Action.APPROVE,
            "can't approve: it is already approved; nothing is left to approve.",
        ),
        (BriefState.REJECTED, Action.APPROVE, "can't approve: it was already rejected."),
        (BriefState.CANCELLED, Action.CANCEL, "can't cancel: it was already cancelled."),
        (
            BriefState.CHANGES_REQUESTED,
            Action.APPROVE,
            "can't approve: it is waiting for the requester's changes.",
        ),
        (BriefState.IN_REVIEW, Action.RESUBMIT, "can't resubmit: it is already in review."),
        (BriefState.LIVE, Action.CANCEL, "can't cancel: it is already live."),
        (BriefState.IN_REVIEW, Action.SCHEDULE, "can't schedule: it isn't approved yet."),
        (BriefState.APPROVED, Action.GO_LIVE, "can't go live: schedule it first."),
        (
            BriefState.DRAFT,
            Action.REQUEST_CHANGES,
            "can't request changes: it hasn't been submitted yet.",
        ),
    ],
)
def test_illegal_transitions_say_why(state: BriefState, action: Action, reason: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        apply(Position(state, 0 if state == BriefState.IN_REVIEW else None), action, 2)
    assert str(caught.value) == reason


def test_two_stage_review() -> None:
    position = apply(Position(BriefState.DRAFT), Action.SUBMIT, 2)
    position = apply(position, Action.APPROVE, 2)
    assert position == Position(BriefState.IN_REVIEW, 1, 1)
    assert apply(position, Action.APPROVE, 2) == Position(BriefState.APPROVED, None, 1)


def test_one_stage_review_approves_at_once() -> None:
    assert apply(Position(BriefState.IN_REVIEW, 0), Action.APPROVE, 1) == Position(
        BriefState.APPROVED
    )


def test_changes_at_the_second_stage_restart_review_in_a_new_round() -> None:
    back = apply(Position(BriefState.IN_REVIEW, 1, 1), Action.REQUEST_CHANGES, 2)
    assert back == Position(BriefState.CHANGES_REQUESTED, None, 1)
    again = apply(back, Action.RESUBMIT, 2)
    assert again == Position(BriefState.IN_REVIEW, 0, 2)
    back = apply(again, Action.REQUEST_CHANGES, 2)
    assert apply(back, Action.RESUBMIT, 2).round == 3


def test_a_decision_needs_a_real_current_stage() -> None:
    # e.g. a stage list that shrank under a brief: refuse rather than approve blindly
    for index in (None, 2, -1):
        with pytest.raises(IllegalTransition, match="not at a stage"):
            apply(Position(BriefState.IN_REVIEW, index), Action.APPROVE, 2)
    with pytest.raises(IllegalTransition, match="no review stages"):
        apply(Position(BriefState.DRAFT), Action.SUBMIT, 0)


def accepted(position: Position) -> set[Action]:
    """The actions `apply` takes from `position` (of a two-stage brief)."""
    taken = set()
    for action in Action:
        try:
            apply(position, action, 2)
        except IllegalTransition:
            continue
        taken.add(action)
    return taken


def test_actions_accepted_by_state() -> None:
    assert accepted(Position(BriefState.IN_REVIEW, 0)) == {
        Action.APPROVE,
        Action.REQUEST_CHANGES,
        Action.REJECT,
        Action.CANCEL,
    }
    assert accepted(Position(BriefState.APPROVED)) == {Action.SCHEDULE, Action.CANCEL}
    assert accepted(Position(BriefState.CHANGES_REQUESTED)) == {Action.RESUBMIT, Action.CANCEL}


def test_live_is_final_and_rejected_or_cancelled_can_only_be_reopened() -> None:
    assert accepted(Position(BriefState.LIVE)) == set()
    assert accepted(Position(BriefState.REJECTED)) == {Action.REOPEN}
    assert accepted(Position(BriefState.CANCELLED)) == {Action.REOPEN}
    assert accepted(Position(BriefState.DRAFT)) == {Action.SUBMIT, Action.RESUBMIT, Action.CANCEL}


def test_position_accepts_stored_strings() -> None:
    assert Position("in_review", 0) == Position(BriefState.IN_REVIEW, 0)
    assert apply(Position("approved"), "schedule", 2).state is BriefState.SCHEDULED  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Position("archived")


@pytest.mark.parametrize(
    ("stages", "index", "before", "expected"),
    [
        (["brand"], None, None, ["brand", "legal"]),
        (["brand", "exec"], None, "exec", ["brand", "legal", "exec"]),
        (["brand", "exec"], 1, "exec", ["brand", "exec", "legal"]),  # exec is being decided now
        (["brand", "legal"], 0, None, ["brand", "legal"]),  # already ahead: not twice
        (["legal", "brand"], 1, None, ["legal", "brand"]),  # already passed this round
        (["brand"], 0, "nowhere", ["brand", "legal"]),
    ],
)
def test_add_gate_stage(
    stages: list[str], index: int | None, before: str | None, expected: list[str]
) -> None:
    result = add_stage(stages, "legal", stage_index=index, before=before)
    assert result == expected
    assert result is not stages


def test_a_gate_added_during_review_is_reached() -> None:
    stages = add_stage(["brand"], "legal", stage_index=0)
    position = apply(Position(BriefState.IN_REVIEW, 0), Action.APPROVE, len(stages))
    assert position == Position(BriefState.IN_REVIEW, 1) and stages[1] == "legal"
