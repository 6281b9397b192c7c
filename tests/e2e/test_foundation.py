"""The foundation end to end: signed requests in, Web API calls out, nothing done twice or lost."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from bot.app.local import LocalBot
from bot.emulator.conversation import Slack
from bot.slack.models import HandledDelivery, OutboxMessage
from bot.slack.sender import OutboxSender
from tests.support.clock import Clock
from tests.support.waiting import eventually


def count(local: LocalBot, model) -> int:  # type: ignore[no-untyped-def]
    with local.runtime.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def outbox_errors(local: LocalBot) -> list[str | None]:
    with local.runtime.db.transaction() as session:
        return list(session.scalars(select(OutboxMessage.last_error).order_by(OutboxMessage.id)))


def test_help_lists_what_the_bot_does(slack: Slack) -> None:
    result = slack.command("/mops help", as_user="rita")
    assert result.status == 200
    shown = slack.last_ephemeral("rita")
    assert shown is not None
    assert "/brief new" in shown.text and "/mops stats" in shown.text


def test_unknown_subcommand_gets_a_usage_line(slack: Slack) -> None:
    slack.command("/mops frobnicate", as_user="rita")
    shown = slack.last_ephemeral("rita")
    assert shown is not None
    assert "I don't know `/mops frobnicate`" in shown.text
    assert "Usage:" in shown.text


def test_a_subcommand_given_words_it_takes_none_of_says_so_once(slack: Slack) -> None:
    """Its own usage, not that followed by every /mops command ("Usage: ... Usage: ...")."""
    for command, answer in (
        ("/mops policy", "Usage: `/mops policy reload` (ops admins): read the policy files again"),
        ("/mops intake all", "`/mops intake` takes nothing after it: it lists the open intake"),
        ("/mops tasks mine", "`/mops tasks` takes nothing after it: it lists your open tasks."),
    ):
        slack.command(command, as_user="omar")
        shown = slack.last_ephemeral("omar")
        assert shown is not None and shown.text.startswith(answer), command
        assert shown.text.count("Usage:") <= 1 and "/mops forecast" not in shown.text, command


def test_user_text_in_an_answer_is_escaped(slack: Slack) -> None:
    slack.command("/mops <!channel>", as_user="rita")
    shown = slack.last_ephemeral("rita")
    assert shown is not None
    assert "<!channel>" not in shown.text
    assert "&lt;!channel&gt;" in shown.text


def test_bad_signature_is_refused_and_changes_nothing(local: LocalBot) -> None:
    result = local.driver.command("/brief cancel 1", "rita", "marketing", bad_signature=True)
    assert result.status == 401
    assert count(local, HandledDelivery) == 0
    assert count(local, OutboxMessage) == 0


def test_stale_timestamp_is_refused(local: LocalBot) -> None:
    result = local.driver.app_home_opened("rita", stale=True)
    assert result.status == 401
    assert count(local, HandledDelivery) == 0
    assert count(local, OutboxMessage) == 0


def test_redelivered_event_is_handled_once(local: LocalBot) -> None:
    event = {"type": "app_home_opened", "user": "U01RITA", "channel": "D01RITA", "tab": "home"}
    first = local.driver.event(event, event_id="Ev0REDELIVER")
    again = local.driver.event(event, event_id="Ev0REDELIVER", retry_num=1)
    assert (first.status, again.status) == (200, 200)
    local.emulator.wait_for_call("views.publish")
    time.sleep(0.3)  # room for a second publish, if the bot were to send one
    assert len(local.emulator.calls_to("views.publish")) == 1
    assert count(local, HandledDelivery) == 1


def test_ratelimited_then_success_delivers_once_after_the_wait(
    timed: LocalBot, clock: Clock
) -> None:
    timed.emulator.fail_next("views.publish", error="ratelimited", retry_after=1)
    timed.driver.app_home_opened("rita")
    eventually(lambda: outbox_errors(timed) == ["ratelimited"], "the retry noted")
    # Slack said wait: the row waits, on the bot's clock, until the clock passes Retry-After
    assert timed.emulator.home("U01RITA") is None
    clock.advance(seconds=1)
    timed.runtime.sender.wake()
    # The emulator logs a call after applying it: wait for the log, not for the home tab.
    calls = eventually(
        lambda: (
            timed.emulator.calls_to("views.publish")[1:]
            and timed.emulator.calls_to("views.publish")
        ),
        "the second publish",
    )
    assert [call.error for call in calls] == ["ratelimited", None]
    assert timed.emulator.home("U01RITA") is not None


def test_crash_between_commit_and_delivery(local: LocalBot) -> None:
    local.runtime.sender.stop()  # the process dies right after acking: nothing was sent
    assert local.driver.app_home_opened("rita").status == 200
    assert local.emulator.calls_to("views.publish") == []
    assert count(local, OutboxMessage) == 1
    restarted = OutboxSender(local.runtime.db, local.runtime.client)  # the next process
    assert restarted.drain() == 1
    assert restarted.drain() == 0
    assert len(local.emulator.calls_to("views.publish")) == 1
    assert local.emulator.home("U01RITA") is not None
