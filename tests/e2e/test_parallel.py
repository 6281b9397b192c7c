"""Parallel stages: brand and legal review at the same time; the brief is approved when both are."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.local import LocalBot
from tests.support.briefs import (
    approve,
    audit_actions,
    brief_row,
    new_brief,
    shows_button,
    wait_state,
)
from tests.support.policies import use_policy
from tests.support.waiting import eventually


@pytest.fixture
def parallel(tmp_path: Path, local: LocalBot) -> LocalBot:
    return use_policy(
        local, tmp_path, lambda data: data["workflows"]["brief"]["stages"][1].update(parallel=True)
    )


def test_parallel_stages_are_decided_in_any_order(parallel: LocalBot) -> None:
    local, slack = parallel, parallel.slack
    parent = new_brief(local)
    slack.wait_for_message(
        lambda m: (
            m.thread_ts == parent.ts
            and "for *Brand* and" in m.text
            and "S02LEGAL" in m.text
            and "for *Legal* review" in m.text
        )
    )
    shown = str(shows_button(local, parent, "Approve").blocks)
    assert "stages 1-2/2: *Brand* and *Legal*" in shown
    entered = brief_row(local).stage_entered_at
    approve(local, parent, "lena")  # legal first, while brand still reviews
    note = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "approved *Legal*" in m.text
    )
    assert "for *Brand* review" in note.text and "Legal* review" not in note.text
    brief = eventually(lambda: (b := brief_row(local)).stage_index == 1 and b, "legal counted")
    assert (brief.state, brief.stage) == ("in_review", "brand")
    assert brief.stage_entered_at == entered  # brand's clock started with the group
    approve(local, parent, "bram")
    wait_state(local, "approved")
    assert [a for a, _, _ in audit_actions(local)] == ["create", "submit", "approve", "approve"]


def test_a_stuck_parallel_stage_is_named_and_can_be_handed_on(parallel: LocalBot) -> None:
    local, slack = parallel, parallel.slack
    parent = new_brief(local, as_user="bram")  # only Bram is in @brand-team
    notice = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "can't move" in m.text, timeout=10
    )
    assert "*Brand*" in notice.text and "`/brief assign 1 brand @person`" in notice.text
    slack.command("/brief assign 1 @sam", as_user="omar")
    assert "name the one you mean" in slack.last_ephemeral("omar").text
    slack.command("/brief assign 1 brand @sam", as_user="omar")
    assert "now waits on <@U05SAM>" in slack.last_ephemeral("omar").text
    approve(local, parent, "sam")
    approve(local, parent, "lena")
    wait_state(local, "approved")
