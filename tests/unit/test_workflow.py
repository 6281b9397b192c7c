"""The brief state machine."""

from __future__ import annotations

import pytest

from bot.workflow import (
    TRANSITIONS,
    Action,
    IllegalTransition,
    Position,
    State,
    allowed_actions,
    apply,
)


def test_two_stage_review() -> None:
    position = apply(Position(State.DRAFT), Action.SUBMIT, 2)
    assert position == Position(State.IN_REVIEW, 0, 1)
    position = apply(position, Action.APPROVE, 2)
    assert position == Position(State.IN_REVIEW, 1, 1)
    assert apply(position, Action.APPROVE, 2) == Position(State.APPROVED, None, 1)


def test_changes_then_resubmit_starts_a_new_round_at_the_first_stage() -> None:
    at_legal = Position(State.IN_REVIEW, 1, 1)
    back = apply(at_legal, Action.REQUEST_CHANGES, 2)
    assert back == Position(State.CHANGES_REQUESTED, None, 1)
    assert apply(back, Action.RESUBMIT, 2) == Position(State.IN_REVIEW, 0, 2)


@pytest.mark.parametrize(("state", "action", "words"), [
    (State.APPROVED, Action.APPROVE, "already approved"),
    (State.REJECTED, Action.APPROVE, "already rejected"),
    (State.CANCELLED, Action.CANCEL, "already cancelled"),
    (State.CHANGES_REQUESTED, Action.APPROVE, "waiting for the requester"),
    (State.IN_REVIEW, Action.RESUBMIT, "in review"),
    (State.LIVE, Action.CANCEL, "already live"),
])
def test_illegal_transitions_say_why(state: State, action: Action, words: str) -> None:
    with pytest.raises(IllegalTransition, match=words):
        apply(Position(state, None, 1), action, 2)


def test_every_table_entry_is_reachable_and_allowed() -> None:
    for (source, action), target in TRANSITIONS.items():
        assert action in allowed_actions(Position(source))
        result = apply(Position(source, 1 if source == State.IN_REVIEW else None, 1), action, 2)
        assert result.state == target


def test_reopen_goes_back_to_draft_and_terminal_states_allow_little() -> None:
    assert apply(Position(State.REJECTED), Action.REOPEN, 2).state == State.DRAFT
    assert allowed_actions(Position(State.LIVE)) == set()
    assert allowed_actions(Position(State.IN_REVIEW)) == {
        Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT, Action.CANCEL}
