"""A request whose message is deleted or edited in Slack: deleted, it closes, its words dropped,
its buttons gone and whoever claimed it told; edited, it keeps the new words, and one still
waiting for a person to name its kind is sorted again."""

from __future__ import annotations

import pytest

from bot.app.local import LocalBot
from bot.audit import service as audit
from tests.support.intake import bot_reply, buttons, current, ephemeral, requests, updated
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

WEB_REQUEST = "the pricing page still shows last year's prices, please update them"
ROUTINE = "hi! where can I download our logo files? need the svg for a partner slide"
UNSURE = "can you take a look at the deck and the video for the launch"


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


def test_an_edited_request_keeps_its_route_and_its_new_words(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(WEB_REQUEST, as_user="rita", channel="intake")
    routed = bot_reply(slack, asked, "Routed to")
    later = WEB_REQUEST + " (by Friday)"
    assert bot.driver.edit_message("intake", "rita", asked.ts, later).ok
    eventually(lambda: requests(bot)[0].text == later, "the new words kept")
    [stored] = requests(bot)
    assert (stored.status, stored.label, stored.withdrawn_at) == ("routed", "web_update", None)
    assert buttons(current(slack, routed)) == ["Claim", "Wrong label?"]  # people work on it


def test_an_edited_request_still_waiting_for_its_kind_is_sorted_again(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(UNSURE, as_user="rita", channel="intake")
    question = bot_reply(slack, asked, "which is it?")
    assert bot.driver.edit_message("intake", "rita", asked.ts, WEB_REQUEST).ok
    retired = updated(slack, question, lambda m: buttons(m) == [], "the question retired")
    assert retired.text == "<@U01RITA> edited the request, so I'm sorting it again (below)."
    bot_reply(slack, asked, "Routed to <!subteam^S06WEB")
    [stored] = requests(bot)
    assert (stored.text, stored.label, stored.status) == (WEB_REQUEST, "web_update", "routed")
    # A link unfurling sends message_changed with the same words: nothing happens.
    assert bot.driver.edit_message("intake", "rita", asked.ts, WEB_REQUEST).ok
    slack.say("lunch anyone?", as_user="sam", channel="intake")  # a later event, to wait on
    eventually(lambda: len(requests(bot)) == 2, "the later message stored")
    with bot.runtime.db.read() as session:
        trail = audit.events_between(session, None, None)
        edits = [e.detail["again"] for e in trail if e.action == "intake_edited"]
    assert edits == [True]
