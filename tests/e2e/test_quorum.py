"""Quorum stages: "any 2 of @legal-team" counts people, shows "1 of 2", and warns when it can't
be reached."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.local import LocalBot
from bot.audit.models import AuditEvent
from tests.support.briefs import approve, new_brief, shows_button, wait_stage, wait_state
from tests.support.policies import use_policy
from tests.support.waiting import eventually


def legal_needs_two(local: LocalBot, tmp_path: Path, members: tuple[str, ...]) -> LocalBot:
    use_policy(
        local, tmp_path, lambda data: data["workflows"]["brief"]["stages"][1].update(quorum=2)
    )
    groups = local.emulator.workspace.usergroups  # an admin edits @legal-team in Slack
    groups["S02LEGAL"] = dataclasses.replace(groups["S02LEGAL"], users=members)
    assert local.runtime.directory.refresh()
    return local


@pytest.fixture
def two_of_legal(tmp_path: Path, local: LocalBot) -> LocalBot:
    return legal_needs_two(local, tmp_path, ("U03LENA", "U05SAM"))


def test_any_two_of_legal_counts_people_and_shows_the_tally(two_of_legal: LocalBot) -> None:
    local = two_of_legal
    slack = local.slack
    parent = new_brief(local)
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "any 2 of" in m.text and "*Legal*" in m.text
    )
    approve(local, parent, "lena")
    note = slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "(1 of 2)" in m.text)
    assert note.text.startswith("<@U03LENA> approved *Legal* (1 of 2)")
    assert "1 more approval" in note.text
    shown = eventually(
        lambda: "1 of 2 legal approvals" in str(shows_button(local, parent, "Approve").blocks),
        "the parent's tally",
    )
    assert shown
    assert wait_stage(local, "legal").state == "in_review"
    approve(local, parent, "sam")
    wait_state(local, "approved")
    with local.runtime.db.transaction() as session:
        actions = [
            e.action
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.stage == "legal").order_by(AuditEvent.id)
            )
        ]
    assert actions == ["approve_vote", "approve"]


def test_a_quorum_nobody_can_reach_is_flagged(tmp_path: Path, local: LocalBot) -> None:
    legal_needs_two(local, tmp_path, ("U03LENA",))
    slack = local.slack
    parent = new_brief(local)
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    notice = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "can't be approved" in m.text
    )
    assert "needs 2 more approvals" in notice.text and "only 1 person" in notice.text
    assert "/brief override 1" in notice.text
