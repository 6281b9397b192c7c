"""Intake requests as tickets, and what people do with a routed request: claim it, finish it,
relabel it, open a brief from it; regulated requests involve the reviewers the rules name."""

from __future__ import annotations

import pytest

from bot.app.local import LocalBot
from bot.audit import service as audit
from bot.emulator.conversation import Slack
from bot.emulator.records import Message
from tests.support.intake import bot_reply, buttons, current, ephemeral, requests, updated
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

WEB_REQUEST = "the pricing page still shows last year's prices, please update them"


def _routed(slack: Slack, text: str) -> tuple[Message, Message]:
    asked = slack.say(text, as_user="rita", channel="intake")
    return asked, bot_reply(slack, asked, "Routed to")


def test_a_request_is_claimed_and_done_and_the_requester_follows_in_the_thread(
    bot: LocalBot,
) -> None:
    slack = bot.slack
    asked, routed = _routed(slack, WEB_REQUEST)
    assert "<!subteam^S06WEB" in routed.text and "Request #1 · New" in str(routed.blocks)
    assert buttons(routed) == ["Claim", "Wrong label?"]

    # Rita asked; she does not do the work.
    slack.click("Claim", as_user="rita", message=routed)
    assert "can work on request #1" in ephemeral(slack, "rita", "can work").text

    slack.click("Claim", as_user="omar", message=routed)  # omar is in @web-team
    bot_reply(slack, asked, "<@U04OMAR> claimed this")
    claimed = updated(slack, routed, lambda m: "Done" in buttons(m), "a Done button")
    assert "Claimed by <@U04OMAR>" in str(claimed.blocks)
    bot.driver.click(routed, "Claim", "sam")  # from a screen not yet updated: refused
    assert "<@U04OMAR> has already claimed" in ephemeral(slack, "sam", "claimed").text

    slack.command("/mops intake", as_user="sam", channel="intake")
    queue = slack.last_ephemeral("sam")
    assert queue is not None and "*Open intake requests* (1)" in queue.text
    assert "#1 *Web update* for *@web-team* · Claimed by <@U04OMAR>" in queue.text
    assert "<!date^" in queue.text  # in the reader's own time zone

    slack.click("Done", as_user="omar", message=claimed)
    done = bot_reply(slack, asked, "<@U04OMAR> marked request #1 as done.")
    assert done.text == "<@U04OMAR> marked request #1 as done."  # not "Done: ... as done"
    finished = updated(slack, routed, lambda m: buttons(m) == [], "no buttons left")
    assert "Done by <@U04OMAR>" in str(finished.blocks)
    [stored] = requests(bot)
    assert (stored.ticket_status, stored.claimed_by, stored.done_by) == (
        "done",
        "U04OMAR",
        "U04OMAR",
    )
    slack.command("/mops intake", as_user="omar", channel="intake")
    assert "No open intake requests" in (slack.last_ephemeral("omar") or Message("", "", "")).text
    slack.command("/mops intake", as_user="rita", channel="intake")
    assert "can see the intake queue" in (slack.last_ephemeral("rita") or Message("", "", "")).text
    with bot.runtime.db.read() as session:
        trail = [e.action for e in audit.events_between(session, None, None)]
    assert trail[-2:] == ["intake_claimed", "intake_done"]


def test_relabelling_with_the_same_label_changes_nothing(bot: LocalBot) -> None:
    """Bug 16: the same label again posted the routing again and pinged the team again."""
    slack = bot.slack
    asked, routed = _routed(slack, WEB_REQUEST)
    replies = len(slack.thread(asked).replies)
    slack.click("Wrong label?", as_user="rita", message=routed)
    slack.wait_for_view("rita")
    slack.submit({"label": "Web update"}, as_user="rita")
    assert "nothing changed" in ephemeral(slack, "rita", "already labelled").text
    assert len(slack.thread(asked).replies) == replies
    assert buttons(current(slack, routed)) == ["Claim", "Wrong label?"]


def test_a_new_label_retires_the_old_buttons_and_pages_the_new_team(bot: LocalBot) -> None:
    slack = bot.slack
    asked, routed = _routed(slack, WEB_REQUEST)
    slack.click("Wrong label?", as_user="omar", message=routed)  # the team it went to
    slack.wait_for_view("omar")
    slack.submit({"label": "Content review"}, as_user="omar")
    rerouted = bot_reply(slack, asked, "labelled by <@U04OMAR>")
    assert "Claim" in buttons(rerouted)
    old = updated(slack, routed, lambda m: buttons(m) == [], "old buttons gone")
    assert "relabelled it *Content review*" in old.text


def test_wrong_label_by_someone_who_may_not_label_opens_no_form(bot: LocalBot) -> None:
    """Bug 7: Lena filled in the form first and was refused after submitting."""
    slack = bot.slack
    _, routed = _routed(slack, WEB_REQUEST)
    slack.click("Wrong label?", as_user="lena", message=routed)
    refusal = ephemeral(slack, "lena", "can label this request")
    assert "<@U01RITA>" in refusal.text and slack.view_of("lena") is None


def test_a_financial_promise_involves_legal(bot: LocalBot) -> None:
    """Bug 16: it was routed to @social-team and legal never heard of it."""
    slack = bot.slack
    asked = slack.say(
        "can we tweet that investors get guaranteed 20% returns with zero risk",
        as_user="rita",
        channel="intake",
    )
    question = bot_reply(slack, asked, "regulated content")
    assert "financial promise" in question.text
    social = next(b for b in buttons(question) if b.startswith("Social post ("))
    slack.click(social, as_user="omar", message=question)
    routed = bot_reply(slack, asked, "Routed to")
    assert "<!subteam^S10SOCIAL" in routed.text and "<!subteam^S02LEGAL" in routed.text
    assert "financial promise" in routed.text and "must review" in routed.text
    [stored] = requests(bot)
    assert stored.reviewers == ["@legal-team"] and stored.regulated == ["financial_promise"]
    with bot.runtime.db.read() as session:
        held = [e for e in audit.events_between(session, None, None) if e.action == "intake_held"]
    assert held[0].detail["reviewers"] == ["@legal-team"]


def test_open_a_brief_cuts_the_title_between_words_and_links_the_brief(bot: LocalBot) -> None:
    """Bug 16: the title was cut mid-word and nothing linked the request to the brief."""
    slack = bot.slack
    asked = slack.say(
        "We need a go-to-market campaign plan for the EMEA expansion in Q3 covering email, "
        "paid social and two partner events\nBudget is about 40k",
        as_user="rita",
        channel="intake",
    )
    reply = bot_reply(slack, asked, "Campaign brief")
    slack.click("Open a brief", as_user="rita", message=reply)
    view = slack.wait_for_view("rita")
    title = next(b for b in view["blocks"] if b.get("block_id") == "title")["element"]
    assert title["initial_value"] == (
        "We need a go-to-market campaign plan for the EMEA expansion in Q3 covering…"
    )
    result = slack.submit(
        {
            "Audience": "EMEA marketing leads",
            "Main channel": "Multi-channel",
            "Launch date": "2027-06-01",
        },
        as_user="rita",
    )
    assert result.ok, result.errors
    bot_reply(slack, asked, "Brief #1 opened by <@U01RITA>")
    assert requests(bot)[0].brief_id == 1
    linked = updated(
        slack, reply, lambda m: "Open a brief" not in buttons(m), "the Open a brief button gone"
    )
    assert "Brief #1" in str(linked.blocks)
    slack.wait_for_message("Brief #1", channel="marketing")


def test_the_first_request_after_a_start_is_acknowledged_while_the_model_loads(
    bot: LocalBot,
) -> None:
    """Bug 20: with no model loaded the answer came 20 s later, with no word in between."""
    slack = bot.slack
    asked = slack.say(WEB_REQUEST, as_user="rita", channel="intake")
    notice = eventually(lambda: next(iter(slack.thread(asked).replies), None), "a first reply")
    assert "I've got your request (#1)" in notice.text and "in a minute" in notice.text
    bot_reply(slack, asked, "Routed to")
    again = slack.say(
        "need a list of all trial signups from last month who did not convert",
        as_user="rita",
        channel="intake",
    )
    first = eventually(lambda: next(iter(slack.thread(again).replies), None), "a reply")
    assert "Routed to" in first.text  # the model is loaded: no notice
