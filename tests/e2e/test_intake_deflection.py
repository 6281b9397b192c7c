"""Routine requests answered with a pre-approved reply (policies/intake.yaml `reply:`), the way
back to a person ("This didn't help"), what is never deflected, and the figures in /mops stats."""

from __future__ import annotations

import pytest

from bot.app.local import LocalBot
from bot.audit import service as audit
from tests.support.intake import bot_reply, buttons, ephemeral, requests, updated

pytestmark = pytest.mark.slow

ROUTINE = "hi! where can I download our logo files? need the svg for a partner slide"


def test_a_routine_question_gets_the_saved_reply_and_didnt_help_routes_it(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(ROUTINE, as_user="rita", channel="intake")
    answer = bot_reply(slack, asked, "https://brand.example.com")
    assert answer.text.startswith("<@U01RITA> Logos (PNG, SVG and EPS")
    assert buttons(answer) == ["This didn't help"]
    assert "a saved answer to *Brand assets* questions" in str(answer.blocks)
    [stored] = requests(bot)
    assert (stored.label, stored.reply_version, stored.ticket_status) == ("brand_assets", 1, "done")
    assert "<!subteam^" not in answer.text  # nobody was paged

    # Lena (legal) is neither the requester nor of the owning team, @triage or the admins.
    slack.click("This didn't help", as_user="lena", message=answer)
    assert "can pass request #1 on to a person" in ephemeral(bot.slack, "lena", "pass request").text

    slack.click("This didn't help", as_user="rita", message=answer)
    routed = bot_reply(slack, asked, "Routed to")
    assert "<!subteam^S01BRAND" in routed.text and "*Brand assets*" in routed.text
    assert buttons(routed) == ["Claim", "Wrong label?"]
    retired = updated(
        slack, answer, lambda m: buttons(m) == [], "the saved reply without its button"
    )
    assert "said this didn't help, so it went to *@brand-team*" in retired.text
    assert "https://brand.example.com" in retired.text  # the answer stays readable
    bot.driver.click(answer, "This didn't help", "sam")  # from a screen not yet updated
    assert "<@U01RITA> already passed request #1" in ephemeral(bot.slack, "sam", "already").text
    [stored] = requests(bot)
    assert (stored.ticket_status, stored.not_helped_by) == ("new", "U01RITA")
    with bot.runtime.db.read() as session:
        trail = [e.action for e in audit.events_between(session, None, None)]
    assert trail[-3:] == ["intake_deflected", "intake_not_helped", "intake_routed"]

    slack.command("/mops stats", as_user="omar", channel="intake")
    stats = slack.last_ephemeral("omar")
    assert stats is not None
    assert (
        "*Intake*: 1 sorted, 1 answered with a saved reply (100%); 1 of those didn't help "
        "(100%) and went to a person." in stats.text
    )


def test_an_urgent_routine_question_goes_to_a_person(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(
        "URGENT: where can I download our logo files? need the svg in 10 minutes, ASAP",
        as_user="rita",
        channel="intake",
    )
    # The question to a person, or the routing to @brand-team: never the saved reply.
    reply = bot_reply(slack, asked, ":rotating_light: *Urgent.*")
    assert "https://brand.example.com" not in reply.text
    assert not [m for m in slack.thread(asked).replies if "brand.example.com" in m.text]
    [stored] = requests(bot)
    assert stored.urgent and stored.reply_version is None


def test_a_label_with_a_title_reads_as_its_title(bot: LocalBot) -> None:
    """utm_links reads "UTM links" (its `title` in policies/intake.yaml), not "Utm links"."""
    slack = bot.slack
    asked = slack.say(
        "hey, which utm_source should I put on links in our linkedin posts?",
        as_user="rita",
        channel="intake",
    )
    answer = bot_reply(slack, asked, "utm-builder")
    assert "a saved answer to *UTM links* questions" in str(answer.blocks)

    slack.click("This didn't help", as_user="rita", message=answer)
    routed = bot_reply(slack, asked, "Routed to")
    assert "<!subteam^S03OPS|@mops-admins> as *UTM links* (" in routed.text

    slack.click("Wrong label?", as_user="rita", message=routed)
    view = slack.wait_for_view("rita")
    options = [o["text"]["text"] for o in view["blocks"][0]["element"]["options"]]
    assert "UTM links" in options and "Utm links" not in options
    slack.submit({"label": "UTM links"}, as_user="rita")
    said = ephemeral(bot.slack, "rita", "already labelled")
    assert "It's already labelled *UTM links*" in said.text
    [stored] = requests(bot)
    assert stored.label == "utm_links"
