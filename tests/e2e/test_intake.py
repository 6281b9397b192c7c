"""Intake triage end to end: a message in the intake channel, the real model after the ack, the
answer in the thread, and people confirming or correcting it through buttons."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.audit import service as audit
from bot.digests import service as digest
from bot.intake import service as intake
from bot.intake import tickets
from bot.intake.classifier import retrain_and_maybe_promote, train_from_policy
from bot.storage.database import Database
from bot.tasks.models import Task
from policies.loader import load_policy
from tests.support.intake import TAXONOMY, bot_reply, buttons, current, requests, updated
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


def test_a_clear_request_is_routed_in_its_thread(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(
        "the hubspot form on the demo page is broken, submissions are not syncing to salesforce",
        as_user="rita",
        channel="intake",
    )
    reply = bot_reply(slack, asked, "Routed to")
    assert "Tooling issue" in reply.text and "sure" in reply.text
    assert "Wrong label?" in str(reply.blocks)
    [stored] = requests(bot)
    assert (stored.status, stored.label, stored.confirmed_by) == ("routed", "tooling_issue", None)
    assert stored.model_version and stored.model_version.startswith("intake-")
    assert stored.confidence is not None and stored.confidence >= 0.6


def test_a_campaign_request_offers_a_prefilled_brief(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(
        "we need a go-to-market campaign plan for the EMEA expansion in Q3, email + paid + events",
        as_user="rita",
        channel="intake",
    )
    reply = bot_reply(slack, asked, "Campaign brief")
    assert "Open a brief" in str(reply.blocks)
    slack.click("Open a brief", as_user="rita", message=reply)
    view = slack.wait_for_view("rita")
    assert "EMEA expansion" in str(view["blocks"])


def test_chatter_pages_nobody_and_the_requester_can_still_call_it_a_request(
    bot: LocalBot,
) -> None:
    """Bug 16: "lunch anyone?" pinged @triage with three 0% buttons."""
    slack = bot.slack
    asked = slack.say("lunch anyone?", as_user="rita", channel="intake")
    reply = bot_reply(slack, asked, "doesn't look like a request")
    said = [m.text + str(m.blocks) for m in slack.messages("intake", include_threads=True)]
    assert not any("subteam" in text for text in said)  # nobody paged
    assert not any("0%" in text for text in said)
    assert buttons(reply) == ["It's a request"]
    [stored] = requests(bot)
    assert (stored.status, stored.label, stored.confirmed_by) == (
        "routed",
        intake.OUT_OF_SCOPE,
        None,
    )
    with bot.runtime.db.read() as session:
        assert tickets.open_requests(session) == []
        assert intake.unanswered(session) == []

    # Lena may not label Rita's request: told before any form opens.
    slack.click("It's a request", as_user="lena", message=reply)
    refusal = eventually(lambda: slack.last_ephemeral("lena"), "an ephemeral refusal")
    assert "can label this request" in refusal.text and slack.view_of("lena") is None

    # Rita says it is one after all: routed, and the old message's button is gone.
    slack.click("It's a request", as_user="rita", message=reply)
    slack.wait_for_view("rita")
    slack.submit({"label": "Event support"}, as_user="rita")
    routed = bot_reply(slack, asked, "Routed to <!subteam^S08EVENTS")
    assert "Claim" in buttons(routed)
    assert buttons(current(slack, reply)) == []
    [stored] = requests(bot)
    assert (stored.label, stored.ticket_status, stored.confirmed_by) == (
        "event_support",
        "new",
        "U01RITA",
    )


def test_an_unsure_question_is_answered_once_and_its_buttons_retire(bot: LocalBot) -> None:
    """Bug 16: the old question's buttons stayed live after the answer."""
    slack = bot.slack
    asked = slack.say(
        "can you take a look at the deck and the video for the launch",
        as_user="rita",
        channel="intake",
    )
    question = bot_reply(slack, asked, "which is it?")
    assert "<!subteam^S04TRIAGE" in question.text
    offered = buttons(question)
    assert offered[-1] == "Something else" and all("(0%)" not in b for b in offered)
    [stored] = requests(bot)
    # Unsure either way: under the threshold, or more likely chatter than any label (at 45%).
    assert stored.status == "awaiting_confirmation"
    assert stored.reason in ("low_confidence", "out_of_scope")
    why = {
        "low_confidence": "it doesn't clearly fit one kind of request",
        "out_of_scope": "it may not be a marketing request",
    }[stored.reason]
    assert question.text.startswith(f"I'm not sure how to route this ({why}). <@U01RITA> or ")

    # Lena is neither the requester nor in @triage: refused, nothing changes.
    first_pick = question.blocks[-1]["elements"][0]
    slack.click(first_pick["action_id"], as_user="lena", message=question)
    refusal = eventually(lambda: slack.last_ephemeral("lena"), "an ephemeral refusal")
    assert "can label this request" in refusal.text
    assert requests(bot)[0].status == "awaiting_confirmation"

    # Sam is in @triage: says it is not a marketing request. The question loses its buttons.
    slack.click("Something else", as_user="sam", message=question)
    slack.wait_for_view("sam")
    slack.submit({"label": "Not a marketing request"}, as_user="sam")
    bot_reply(slack, asked, "marked this as not a marketing request")
    retired = updated(slack, question, lambda m: buttons(m) == [], "the question without buttons")
    assert "<@U05SAM> labelled this *Not a marketing request*" in retired.text
    [stored] = requests(bot)
    assert (stored.status, stored.label, stored.confirmed_by) == (
        "routed",
        intake.OUT_OF_SCOPE,
        "U05SAM",
    )


def test_a_correction_is_stored_as_a_labelled_example(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(
        "please schedule the linkedin post about the webinar for tuesday 10am",
        as_user="rita",
        channel="intake",
    )
    reply = bot_reply(slack, asked, "Routed to")
    slack.click("Wrong label?", as_user="rita", message=reply)
    slack.wait_for_view("rita")
    slack.submit({"label": "Event support"}, as_user="rita")
    bot_reply(slack, asked, "labelled by <@U01RITA>")
    [stored] = requests(bot)
    assert (stored.label, stored.predicted_label, stored.corrected) == (
        "event_support",
        "social_post",
        True,
    )
    with bot.runtime.db.transaction() as session:
        assert intake.labelled_examples(session) == [(stored.text, "event_support")]


def test_regulated_content_waits_for_a_person_even_when_the_model_is_sure(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(
        "can we say our supplement cures anxiety in the instagram post?",
        as_user="rita",
        channel="intake",
    )
    question = bot_reply(slack, asked, "regulated content")
    assert "health claim" in question.text
    [stored] = requests(bot)
    assert stored.status == "awaiting_confirmation"
    pick = question.blocks[-1]["elements"][0]
    slack.click(pick["action_id"], as_user="omar", message=question)
    bot_reply(slack, asked, "labelled by <@U04OMAR>")
    assert requests(bot)[0].confirmed_by == "U04OMAR"
    with bot.runtime.db.transaction() as session:
        trail = [
            (e.action, e.actor_id, e.detail) for e in audit.events_between(session, None, None)
        ]
    held, routed = [t for t in trail if t[0].startswith("intake_")]
    assert held[:2] == ("intake_held", "mopsbot") and "health_claim" in held[2]["categories"]
    assert held[2]["rules_version"]
    assert routed[:2] == ("intake_routed", "U04OMAR") and routed[2]["confirmed_by"] == "U04OMAR"


def test_urgent_requests_are_flagged(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(
        "URGENT the pricing page shows the old price, need it fixed today",
        as_user="rita",
        channel="intake",
    )
    reply = bot_reply(slack, asked, "Urgent")
    assert "Web update" in reply.text
    assert requests(bot)[0].urgent


def test_replies_edits_and_other_channels_are_not_requests(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(
        "need a list of all trial signups from last month who did not convert",
        as_user="rita",
        channel="intake",
    )
    bot_reply(slack, asked, "Routed to")
    slack.say(
        "thanks! also add their company size please", as_user="rita", channel="intake", thread=asked
    )
    slack.say("need a list of all webinar signups", as_user="rita", channel="marketing")
    edited = bot.driver.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C02INTAKE",
            "message": {"type": "message", "user": "U01RITA", "text": "edited", "ts": asked.ts},
            "ts": "1999999999.000100",
        }
    )
    assert edited.status == 200
    from_a_bot = bot.driver.event(
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B0OTHER",
            "channel": "C02INTAKE",
            "text": "Deploy finished: need a list of users",
            "ts": "1999999999.000200",
        }
    )
    assert from_a_bot.status == 200
    assert len(requests(bot)) == 1


def test_a_message_stored_before_a_crash_is_classified_after_the_restart(
    db: Database, model_dir: Path
) -> None:
    settings = Settings(database_url=db.url, intake_model_dir=model_dir)
    with local_bot(settings, migrate_first=False, background=False) as stopped:
        stopped.slack.say(
            "could design make a banner and a few ad resizes for the spring promo",
            as_user="rita",
            channel="intake",
        )
        with stopped.runtime.db.transaction() as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(Task).where(Task.status == "pending")
                )
                == 1
            )
        assert requests(stopped)[0].status == "received"
        # The process dies here; a new one starts on the same database with its workers running.
        stopped.runtime.worker.run_pending()
        stopped.runtime.sender.drain()
        [stored] = requests(stopped)
        assert (stored.status, stored.label) == ("routed", "design_asset")
        assert any(
            "Routed to" in m.text for m in stopped.slack.messages("intake", include_threads=True)
        )


def test_unanswered_questions_appear_in_the_channel_digest(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(
        "can you take a look at the deck and the video for the launch",
        as_user="rita",
        channel="intake",
    )
    bot_reply(slack, asked, "which is it?")
    with bot.runtime.db.transaction() as session:
        text = digest.channel_digest_text(session, bot.runtime.policy, bot.runtime.clock())
    assert text is not None and "Intake requests waiting for a label" in text and "deck" in text


def test_retrain_uses_corrections_and_promotes_only_if_not_worse(
    tmp_path: Path, model_dir: Path
) -> None:
    """Corrections people made in Slack teach the next model; the k-fold scores of both recipes
    on the same folds decide. One benign correction moves the score by about one example of 871
    either way, so the test holds the rule, not a direction: promoted exactly when not worse."""
    from bot.intake.classifier import IntakeModel

    current = tmp_path / "current"
    train_from_policy(TAXONOMY, current, progress=False)
    before = IntakeModel.load(current).version
    text = "pls set up the booth shipping for the trade show in Austin"
    result = retrain_and_maybe_promote(
        TAXONOMY, [(text, "event_support")], current, tmp_path / "candidate"
    )
    assert (result.folds, result.scored_size) == (5, 871)
    assert result.current_score is not None
    assert result.promoted == (result.candidate_score >= result.current_score)
    kept = IntakeModel.load(current)
    if result.promoted:
        assert kept.version == result.candidate_version != before
        assert kept.classify(text).top3[0][0] == "event_support"
    else:
        assert kept.version == before
        assert (tmp_path / "candidate" / "meta.json").exists()


def test_policy_names_the_intake_channels_and_taxonomy() -> None:
    policy = load_policy(TAXONOMY.parent / "default.yaml")
    assert policy.intake.channels == ["C02INTAKE"]
    assert policy.beside(policy.intake.taxonomy_file) == TAXONOMY


def test_a_trained_model_is_loaded_at_start_and_a_missing_one_is_not_trained(
    tmp_path: Path, model_dir: Path
) -> None:
    from bot.intake.live_model import IntakeModels

    warm = IntakeModels(TAXONOMY, model_dir)
    thread = warm.warm_up()
    assert thread is not None
    thread.join(timeout=60)
    assert warm.ready()
    missing = IntakeModels(TAXONOMY, tmp_path / "none")
    assert missing.warm_up() is None and not missing.ready()
    assert not (tmp_path / "none").exists()
