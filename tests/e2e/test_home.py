"""The App Home to act from: New brief, Waiting on you with the stage's buttons, My requests.

Clicks on the Home tab arrive as Slack sends them (a `view` container, no `channel`, no
`message`) and go through the same checks and the same idempotency as the thread's buttons.
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app.local import LocalBot
from bot.emulator.render import render_view
from tests.support.briefs import (
    audit_actions,
    brief_row,
    form_values,
    new_brief,
    outbox_drained,
    wait_stage,
    wait_state,
)
from tests.support.clock import Clock
from tests.support.intake import bot_reply
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 10, 10, 0, tzinfo=NY))  # a Tuesday morning


def home_text(local: LocalBot, user: str) -> str:
    view = local.slack.home_of(user)
    return "\n".join(render_view(view).lines) if view else ""


def opened_home(local: LocalBot, user: str) -> dict[str, Any]:
    """The person opens the Home tab; the home the bot publishes for it."""
    before = local.slack.home_of(user)
    local.slack.open_home(as_user=user)
    return eventually(
        lambda: (
            (view := local.slack.home_of(user)) is not before and outbox_drained(local) and view
        ),
        f"{user}'s home published",
    )


def clicked_on_home(local: LocalBot, user: str, button: str, value: str | None = None) -> str:
    """Press a button on the person's home; the home as it is once the bot has answered."""
    home = local.slack.home_of(user)
    assert home is not None
    result = local.slack.driver.click(home, button, user, value=value)
    assert result.status == 200, result
    eventually(lambda: outbox_drained(local), "the bot's answers delivered")
    return home_text(local, user)


def delivered_payload(local: LocalBot) -> dict[str, Any]:
    assert local.slack.driver.sender.last is not None
    body, _ = local.slack.driver.sender.last
    return json.loads(urllib.parse.parse_qs(body)["payload"][0])


def test_new_brief_from_the_home(timed: LocalBot) -> None:
    opened_home(timed, "rita")
    assert "New brief" in home_text(timed, "rita")
    clicked_on_home(timed, "rita", "New brief")
    form = timed.slack.view_of("rita")
    assert form is not None and form["callback_id"] == "brief_form"
    result = timed.slack.submit(
        form_values(timed.runtime.policy, title="From home"), as_user="rita"
    )
    assert result.status == 200 and not result.errors, result.errors
    parent = timed.slack.wait_for_message("From home", channel="marketing")
    assert not parent.thread_ts
    assert wait_state(timed, "in_review").title == "From home"


def test_approve_from_the_home_as_in_the_thread(timed: LocalBot) -> None:
    parent = new_brief(timed, title="Holiday campaign")
    opened_home(timed, "bram")
    shown = home_text(timed, "bram")
    assert "Waiting on you (1)" in shown and "Holiday campaign" in shown and "Approve" in shown
    after = clicked_on_home(timed, "bram", "Approve")
    sent = delivered_payload(timed)  # as Slack sends a Home tab click
    assert sent["container"]["type"] == "view" and sent["view"]["type"] == "home"
    assert not {"channel", "message", "response_url"} & set(sent)
    wait_stage(timed, "legal")
    assert "You approved brief #1" in after and "Nothing waits on you" in after
    thread = timed.slack.thread(parent)
    assert any("approved *Brand*" in m.text for m in thread.replies)
    # Slack's retry of the same click changes nothing
    timed.slack.driver.redeliver()
    eventually(lambda: outbox_drained(timed), "the outbox")
    assert [a for a, _, _ in audit_actions(timed)].count("approve") == 1
    assert brief_row(timed).stage == "legal"


def test_a_stale_home_button_is_refused_with_the_reason(timed: LocalBot) -> None:
    new_brief(timed, title="Holiday campaign")
    stale = opened_home(timed, "bram")
    timed.slack.command("/brief cancel 1 No budget this quarter", as_user="rita")
    wait_state(timed, "cancelled")
    after = clicked_on_home(timed, "bram", "Request changes")
    assert timed.slack.view_of("bram") is None  # no form to fill in for nothing
    assert "changed since these buttons were drawn" in after
    opened_home(timed, "bram")  # drawn again before the brief was cancelled: the same answer
    timed.slack.driver.click(stale, "Approve", "bram")
    eventually(lambda: outbox_drained(timed), "the bot's answers")
    after = home_text(timed, "bram")
    assert "changed since these buttons were drawn" in after and "nothing was done" in after
    assert "Holiday campaign" not in after.split("Waiting on you")[1].split("My requests")[0]
    assert brief_row(timed).state == "cancelled"


def test_request_changes_from_the_home(timed: LocalBot) -> None:
    new_brief(timed, title="Holiday campaign")
    opened_home(timed, "bram")
    clicked_on_home(timed, "bram", "Request changes")
    modal = timed.slack.view_of("bram")
    assert modal is not None and modal["callback_id"] == "brief_reason"
    result = timed.slack.submit({"reason": "Use the new logo"}, as_user="bram")
    assert result.status == 200 and not result.errors
    wait_state(timed, "changes_requested")
    eventually(  # bram's home, drawn again without his opening it
        lambda: "Nothing waits on you" in home_text(timed, "bram"), "bram's home refreshed"
    )
    opened_home(timed, "rita")
    shown = home_text(timed, "rita")
    assert "Edit & resubmit" in shown and "waiting for changes" in shown


def test_my_requests_in_plain_words(timed: LocalBot) -> None:
    new_brief(timed, title="Holiday campaign")
    opened_home(timed, "rita")
    shown = home_text(timed, "rita")
    mine = shown.split("My requests")[1]
    assert "Holiday campaign" in mine and "in review" in mine and "Brand" in mine
    assert "in_review" not in shown and "changes_requested" not in shown


def test_a_long_queue_keeps_the_home_within_slacks_limit(timed: LocalBot, clock: Clock) -> None:
    """100 blocks at most (the emulator refuses more, as Slack does); the most urgent first,
    then how many more and where to see them."""
    for n in range(1, 31):
        new_brief(timed, title=f"Campaign {n}")
        clock.now += timedelta(minutes=5)
    opened_home(timed, "bram")
    view = timed.slack.home_of("bram")
    assert view is not None and len(view["blocks"]) <= 100
    shown = home_text(timed, "bram")
    assert "Waiting on you (30)" in shown
    assert shown.index("Campaign 1*") < shown.index("Campaign 2*")  # the longest wait first
    assert "Campaign 30*" not in shown
    assert "and 20 more" in shown and "/brief list" in shown
    assert not [c for c in timed.emulator.calls_to("views.publish") if c.error]


@pytest.mark.slow
def test_the_open_intake_queue_for_triage(bot: LocalBot) -> None:
    """@triage and the ops admins see the open intake requests on their home; others do not."""
    asked = bot.slack.say(
        "the pricing page still shows last year's prices, please update them",
        as_user="rita",
        channel="intake",
    )
    bot_reply(bot.slack, asked, "Routed to")
    opened_home(bot, "sam")  # @triage
    shown = home_text(bot, "sam")
    assert "Open intake requests (1)" in shown
    assert "#1 *Web update* for *@web-team*" in shown and "New: nobody has claimed it yet" in shown
    opened_home(bot, "rita")
    assert "Open intake requests" not in home_text(bot, "rita")
