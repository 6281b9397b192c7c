"""Confirm / Cancel before a flagged brief is scheduled: a Cancel ends that request only, and
one request is live per brief and action (asking again replaces the older prompt)."""

from __future__ import annotations

from bot.app.local import LocalBot
from bot.emulator import Message
from tests.support.briefs import (
    approve,
    latest,
    new_brief,
    outbox_drained,
    wait_stage,
    wait_state,
)
from tests.support.waiting import eventually

CLAIM = "Guaranteed 12% returns, risk-free!"


def approved_flagged_brief(local: LocalBot) -> Message:
    parent = new_brief(local, key_message=CLAIM)
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    approve(local, parent, "lena")
    wait_state(local, "approved")
    return parent


def new_prompt(local: LocalBot, parent: Message, *older: Message) -> Message:
    """The confirmation prompt posted after the `older` ones, once the bot is done posting."""

    def found() -> Message | None:
        fresh = [
            m
            for m in local.slack.thread(parent).replies
            if has_buttons(m) and m.ts not in {o.ts for o in older}
        ]
        return fresh[-1] if fresh and outbox_drained(local) else None

    return eventually(found, "a new confirmation prompt in the thread")


def has_buttons(message: Message) -> bool:
    return "brief_confirm_advance" in str(message.blocks)


def test_a_cancelled_request_does_not_block_a_new_one_for_the_requester(local: LocalBot) -> None:
    slack = local.slack
    parent = approved_flagged_brief(local)
    slack.command("/brief schedule 1", as_user="rita")
    first = new_prompt(local, parent)
    slack.click("Cancel", as_user="rita", message=first)
    eventually(lambda: not has_buttons(latest(slack, first)), "the first prompt closed")
    slack.command("/brief schedule 1", as_user="rita")
    second = new_prompt(local, parent, first)
    slack.click("Confirm", as_user="rita", message=second)
    assert wait_state(local, "scheduled").state == "scheduled"
    assert not [m for m in slack.ephemerals_for("rita") if "no longer applies" in m.text]


def test_a_cancelled_request_does_not_block_a_new_one_for_an_ops_admin(local: LocalBot) -> None:
    slack = local.slack
    parent = approved_flagged_brief(local)
    slack.command("/brief schedule 1", as_user="omar")
    first = new_prompt(local, parent)
    slack.click("Cancel", as_user="omar", message=first)
    eventually(lambda: not has_buttons(latest(slack, first)), "the first prompt closed")
    slack.command("/brief schedule 1", as_user="omar")
    slack.click("Confirm", as_user="omar", message=new_prompt(local, parent, first))
    assert wait_state(local, "scheduled").state == "scheduled"


def test_asking_again_replaces_the_older_prompt(local: LocalBot) -> None:
    slack = local.slack
    parent = approved_flagged_brief(local)
    slack.command("/brief schedule 1", as_user="rita")
    first = new_prompt(local, parent)
    slack.command("/brief schedule 1", as_user="rita")
    second = new_prompt(local, parent, first)
    replaced = eventually(
        lambda: "replaced" in (m := latest(slack, first)).text and m, "the older prompt replaced"
    )
    assert not has_buttons(replaced)
    assert has_buttons(latest(slack, second))
    local.driver.click(first, "Confirm", "rita")  # the buttons as they were before the update
    refusal = slack.wait_for_message(
        lambda m: m.ephemeral_to == "U01RITA" and "no longer applies" in m.text, ephemeral=True
    )
    assert "replaced" in refusal.text and "Nothing was done" in refusal.text
    assert wait_state(local, "approved").state == "approved"
