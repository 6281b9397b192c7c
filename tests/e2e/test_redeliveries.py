"""Slack's retries arrive with the original: each delivery below is sent together with three
redeliveries of the same body (X-Slack-Retry-Num 1-3), concurrently and in a shuffled order, as
they come when the bot's ack is late. Each cause has exactly one effect: one brief, one
transition, one message, one intake request, one home published. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app.local import LocalBot
from bot.briefs.models import Brief
from bot.emulator.driver import NO_COMMAND_RETRIES
from bot.emulator.signed import DeliveryResult
from bot.intake.models import IntakeRequest
from bot.slack.models import OutboxMessage
from bot.tasks.models import Task
from tests.support.briefs import (
    audit_actions,
    brief_row,
    form_values,
    new_brief,
    outbox_drained,
    shows_button,
    wait_stage,
    wait_state,
)
from tests.support.intake import bot_reply
from tests.support.waiting import eventually

RETRIES = 3


def all_acked(result: DeliveryResult) -> None:
    """Every copy got a 2xx: none of them asks Slack to try again."""
    statuses = [result.status] + [copy.status for copy in result.redeliveries]
    assert statuses == [200] * (RETRIES + 1), statuses


def settled(local: LocalBot) -> None:
    eventually(lambda: outbox_drained(local), "the outbox to drain")


def count(local: LocalBot, model: type, *where: object) -> int:
    with local.runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_brief_form_submitted_with_its_retries_makes_one_brief(local: LocalBot) -> None:
    slack = local.slack
    slack.command("/brief new", as_user="rita")
    values = form_values(local.runtime.policy, title="Spring launch")
    result = local.driver.submit_view("rita", values, redeliveries=RETRIES)
    all_acked(result)
    slack.wait_for_message(lambda m: m.text.startswith("Brief #1"), channel="marketing")
    settled(local)
    assert count(local, Brief) == 1
    posted = [m for m in slack.messages("marketing") if m.text.startswith("Brief #") and m.is_bot]
    assert len(posted) == 1
    assert [a for a, _, _ in audit_actions(local)].count("submit") == 1


def test_an_approval_with_its_retries_is_one_transition_and_one_reply(local: LocalBot) -> None:
    parent = new_brief(local)
    on_screen = shows_button(local, parent, "Approve")
    all_acked(local.driver.click(on_screen, "Approve", "bram", redeliveries=RETRIES))
    wait_stage(local, "legal")
    settled(local)
    assert [a for a, _, _ in audit_actions(local)].count("approve") == 1
    replies = [m for m in local.slack.thread(parent).replies if "approved" in m.text]
    assert len(replies) == 1, [m.text for m in replies]
    # and no "this changed since" refusal for the copies: a retry is not a second click
    assert local.slack.ephemerals_for("bram") == []


def test_request_changes_and_its_reason_with_retries_are_one_transition(
    local: LocalBot,
) -> None:
    slack = local.slack
    parent = new_brief(local)
    on_screen = shows_button(local, parent, "Request changes")
    opened_before = len(local.emulator.calls_to("views.open"))
    all_acked(local.driver.click(on_screen, "Request changes", "bram", redeliveries=RETRIES))
    assert slack.view_of("bram") is not None, "the reason form opens"
    assert len(local.emulator.calls_to("views.open")) == opened_before + 1  # once, no retries
    result = local.driver.submit_view("bram", {"reason": "Needs a budget line"}, redeliveries=3)
    all_acked(result)
    wait_state(local, "changes_requested")
    settled(local)
    assert [a for a, _, _ in audit_actions(local)].count("request_changes") == 1
    asked = [m for m in slack.thread(parent).replies if "Needs a budget line" in m.text]
    assert len(asked) == 1


@pytest.mark.slow  # the real intake model answers in the thread
def test_an_intake_message_with_its_retries_is_one_request_and_one_answer(bot: LocalBot) -> None:
    text = "the pricing page still shows last year's prices, please update them"
    result = bot.driver.message("intake", "rita", text, redeliveries=RETRIES)
    all_acked(result)
    assert result.message is not None
    bot_reply(bot.slack, result.message, "Routed to")
    settled(bot)
    assert count(bot, IntakeRequest) == 1
    assert count(bot, Task) == 1
    said = [m.text for m in bot.slack.thread(result.message).replies]
    assert len([t for t in said if "Routed to" in t]) == 1
    assert len(said) == len(set(said)), said  # "got your request" (model warming) at most once


def test_the_home_opened_with_its_retries_is_published_once(local: LocalBot) -> None:
    all_acked(local.driver.app_home_opened("bram", redeliveries=RETRIES))
    settled(local)
    eventually(lambda: local.emulator.home(local.emulator.user("bram").id), "bram's home")
    published = count(local, OutboxMessage, OutboxMessage.method == "views.publish")
    assert published == 1


def test_slack_never_retries_a_slash_command(local: LocalBot) -> None:
    """A command is not an Events API delivery: Slack sends it once, and a late ack shows the
    person Slack's error instead. The driver refuses to forge what Slack never sends."""
    with pytest.raises(ValueError, match="never retries a slash command"):
        local.driver.command("/brief list", "rita", "marketing", redeliveries=RETRIES)
    local.slack.command("/brief cancel 1 gone", as_user="rita")
    with pytest.raises(ValueError, match=NO_COMMAND_RETRIES):
        local.driver.redeliver()


def test_a_command_acts_once_even_when_its_ack_is_late(local: LocalBot) -> None:
    """`/brief cancel ID REASON` cancels at once; typed once, it cancels once."""
    new_brief(local)
    result = local.slack.command("/brief cancel 1 No budget this quarter", as_user="rita")
    assert result.status == 200
    wait_state(local, "cancelled")
    settled(local)
    assert [a for a, _, _ in audit_actions(local)].count("cancel") == 1
    assert brief_row(local).state == "cancelled"
