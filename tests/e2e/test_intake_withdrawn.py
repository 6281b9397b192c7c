"""A request whose message is deleted in Slack: closed, its words dropped, its buttons gone, and
whoever claimed it told; an edit changes nothing."""

from __future__ import annotations

import pytest

from bot.app.local import LocalBot
from bot.audit import service as audit
from tests.support.intake import bot_reply, buttons, ephemeral, requests, updated
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

WEB_REQUEST = "the pricing page still shows last year's prices, please update them"
ROUTINE = "hi! where can I download our logo files? need the svg for a partner slide"


def test_a_deleted_request_is_closed_and_its_claimer_told(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(WEB_REQUEST, as_user="rita", channel="intake")
    routed = bot_reply(slack, asked, "Routed to")
    slack.click("Claim", as_user="omar", message=routed)
    claimed = updated(slack, routed, lambda m: "Done" in buttons(m), "a Done button")

    assert bot.driver.delete_message("intake", "rita", asked.ts).ok
    told = bot_reply(slack, asked, "the request you claimed was deleted")
    assert told.text.startswith("<@U04OMAR>, ")
    closed = updated(slack, routed, lambda m: buttons(m) == [], "the buttons gone")
    assert "<@U01RITA>'s request #1 was deleted from the channel, so it's closed" in closed.text
    [stored] = requests(bot)
    assert (stored.text, stored.ticket_status) == ("", "done")  # no words kept
    assert stored.withdrawn_at is not None
    with bot.runtime.db.read() as session:
        trail = audit.events_between(session, None, None)
        because = [e.detail["because"] for e in trail if e.action == "intake_withdrawn"]
    assert because == ["its message was deleted in Slack"]

    bot.driver.click(claimed, "Done", "omar")  # from a screen not yet updated
    refused = ephemeral(bot.slack, "omar", "deleted")
    assert refused.text == "Request #1 was deleted from the channel, so it's closed."
    slack.command("/mops intake", as_user="sam", channel="intake")
    queue = slack.last_ephemeral("sam")
    assert queue is not None and "No open intake requests" in queue.text


def test_a_deleted_routine_question_takes_back_its_didnt_help_button(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(ROUTINE, as_user="rita", channel="intake")
    answer = bot_reply(slack, asked, "https://brand.example.com")
    assert bot.driver.delete_message("intake", "rita", asked.ts).ok
    closed = updated(slack, answer, lambda m: buttons(m) == [], "no This didn't help")
    assert "was deleted from the channel" in closed.text
    bot.driver.click(answer, "This didn't help", "rita")
    assert "was deleted from the channel" in ephemeral(bot.slack, "rita", "deleted").text
    [stored] = requests(bot)
    assert stored.not_helped_at is None and stored.text == ""


def test_an_edit_changes_nothing(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(WEB_REQUEST, as_user="rita", channel="intake")
    routed = bot_reply(slack, asked, "Routed to")
    assert bot.driver.edit_message("intake", "rita", asked.ts, WEB_REQUEST + " (by Friday)").ok
    slack.say("lunch anyone?", as_user="sam", channel="intake")  # a later event, to wait on
    eventually(lambda: len(requests(bot)) == 2, "the second message stored")
    first = requests(bot)[0]
    assert first.text == WEB_REQUEST and first.withdrawn_at is None  # judged on what was posted
    assert buttons(routed) == ["Claim", "Wrong label?"]
