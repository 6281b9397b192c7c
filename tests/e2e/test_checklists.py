"""Stage checklists through the emulator: the checklist in the thread, a stage that can't be
left while a required item is open (the refusal names it), a tick by its owner only."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.config import PACKAGE_POLICY
from bot.app.local import LocalBot
from tests.support.briefs import approve, audit_actions, new_brief, wait_stage, wait_state
from tests.support.policies import use_policy
from tests.support.waiting import eventually


@pytest.fixture
def legal_ticks(tmp_path: Path, local: LocalBot) -> LocalBot:
    """The package policy with a copy of its checklist where legal's disclaimer is required."""
    checklists = tmp_path / "checklists.yaml"
    text = (PACKAGE_POLICY.parent / "checklists.yaml").read_text()
    required = text.replace('owner: "@legal-team", required: false', 'owner: "@legal-team"')
    assert required != text
    checklists.write_text(required)
    return use_policy(
        local, tmp_path, lambda data: data["assets"].update(checklists_file=str(checklists))
    )


def test_legal_cannot_approve_while_the_disclaimer_is_unticked(legal_ticks: LocalBot) -> None:
    local = legal_ticks
    slack = local.slack
    parent = new_brief(local)
    checklist = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and m.text.startswith("Checklist for brief #1")
    )
    shown = str(checklist.blocks)
    assert "Legal disclaimer present" in shown and "Alt text on every image" in shown
    assert "a stage can't be left while a ⬜ item is open" in shown
    approve(local, parent, "bram")
    wait_stage(local, "legal")

    approve(local, parent, "lena")
    refusal = slack.wait_for_message(lambda m: "can't be approved yet" in m.text, ephemeral=True)
    assert refusal.text.startswith("*Legal* can't be approved yet: 1 required checklist item")
    assert "*Legal disclaimer present*" in refusal.text and "@legal-team" in refusal.text
    assert wait_stage(local, "legal").state == "in_review"

    # Someone who doesn't own the item can't tick it.
    slack.click("Tick: Legal disclaimer present", as_user="bram", message=checklist)
    told = slack.wait_for_message(lambda m: "can tick" in m.text, ephemeral=True)
    assert told.text.startswith("Only *@legal-team* can tick *Legal disclaimer present*")

    slack.click("Tick: Legal disclaimer present", as_user="lena", message=checklist)
    slack.wait_for_message(
        lambda m: (
            m.thread_ts == parent.ts
            and m.text.startswith("<@U03LENA> ticked *Legal disclaimer present*")
        )
    )
    redrawn = eventually(
        lambda: (
            "by <@U03LENA>" in str(slack.emulator.message(checklist.channel, checklist.ts).blocks)
        ),
        "the checklist redrawn with the tick",
    )
    assert redrawn
    # Nothing required is open now: the head says so, not the rule about ⬜ items.
    now_shown = str(slack.emulator.message(checklist.channel, checklist.ts).blocks)
    assert "nothing required is open; ▫️ items are optional" in now_shown
    assert "a stage can't be left" not in now_shown
    approve(local, parent, "lena")
    wait_state(local, "approved")
    assert ("checklist_tick", "in_review", 1) in audit_actions(local)
    slack.command("/brief show 1", as_user="rita")
    shown = slack.wait_for_message(
        lambda m: "History" in m.text or "history" in m.text, ephemeral=True
    )
    assert "<@U03LENA> ticked *Legal disclaimer present*" in shown.text
