"""A click whose button value was tampered with (or comes from a message older than its format)
is refused in plain words and changes nothing."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from sqlalchemy import func, select

from bot.app.local import LocalBot
from bot.briefs.models import Approval
from bot.emulator import Message
from bot.slack.actions import OUTDATED_BUTTON, ActionId
from bot.slack.models import HandledDelivery
from tests.support.briefs import audit_actions, brief_row, new_brief, outbox_drained, shows_button
from tests.support.waiting import eventually


def forged(message: Message, button: str, value: str) -> Message:
    """The message as a forger sends it back: `button` (by its text) carries `value`."""
    blocks = copy.deepcopy(message.blocks)
    for block in (b for b in blocks if b["type"] == "actions"):
        for element in block["elements"]:
            if element["text"]["text"] == button:
                element["value"] = value
    return dataclasses.replace(message, blocks=blocks)


def refusals(local: LocalBot, user: str) -> list[Message]:
    return [m for m in local.emulator.ephemerals(user) if m.text == OUTDATED_BUTTON]


def count(local: LocalBot, model: type) -> int:
    with local.runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("value", ["", "1:x", "99999999999:1"])
@pytest.mark.parametrize("button", ["Approve", "Request changes"])
def test_a_tampered_decision_is_refused_and_changes_nothing(
    local: LocalBot, button: str, value: str
) -> None:
    parent = shows_button(local, new_brief(local), button)
    before = (brief_row(local).version, audit_actions(local))

    result = local.driver.click(forged(parent, button, value), button, "bram")
    assert result.status == 200
    refusal = local.slack.wait_for_message(OUTDATED_BUTTON, ephemeral=True)
    assert refusal.ephemeral_to == local.emulator.user("bram").id
    assert refusal.thread_ts is None and refusal.channel == parent.channel

    assert local.slack.view_of("bram") is None  # no reason modal
    brief = brief_row(local)
    assert (brief.state, brief.stage) == ("in_review", "brand")
    assert (brief.version, audit_actions(local)) == before
    assert count(local, Approval) == 0

    # Slack retries the click: the person is told once.
    local.driver.redeliver()
    eventually(lambda: outbox_drained(local), "the outbox drained")
    assert len(refusals(local, "bram")) == 1


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        (ActionId.BRIEF_APPROVE, "1"),
        (ActionId.BRIEF_REQUEST_CHANGES, "1:2:3"),
        (ActionId.BRIEF_REJECT, "a:b"),
        (ActionId.BRIEF_RESUBMIT, "1:"),
        (ActionId.BRIEF_CONFIRM_ADVANCE, "1:1:approve:U01RITA"),
        (ActionId.BRIEF_DECLINE_ADVANCE, "1:1:schedule"),
        (ActionId.REMINDER_SNOOZE_1H, "x"),
        (ActionId.REMINDER_SNOOZE_1BD, "1:-1"),
        (ActionId.INTAKE_PICK.numbered(0), "1:"),
        (ActionId.INTAKE_PICK.numbered(2), "request:label"),
        (ActionId.INTAKE_RELABEL, "x"),  # was a bare int(): the click failed with HTTP 500
        (ActionId.INTAKE_OPEN_BRIEF, "1:2"),
    ],
)
def test_every_button_refuses_a_malformed_value(
    local: LocalBot, action_id: str, value: str
) -> None:
    marketing = local.emulator.channel("marketing").id
    message = Message(
        channel=marketing,
        ts="1700000000.000100",
        user=local.emulator.seed.bot.id,
        text="a message with a forged button",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "text": {"type": "plain_text", "text": "Press"},
                        "value": value,
                    }
                ],
            }
        ],
    )
    handled = count(local, HandledDelivery)

    result = local.driver.click(message, action_id, "rita")

    assert result.status == 200
    local.slack.wait_for_message(OUTDATED_BUTTON, ephemeral=True)
    assert local.slack.view_of("rita") is None
    assert count(local, HandledDelivery) == handled + 1  # the refusal, and nothing else
