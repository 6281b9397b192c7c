"""Intake triage end to end: a message in the intake channel, the real model after the ack, the
answer in the thread, and people confirming or correcting it through buttons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.audit import service as audit
from bot.digests import service as digest
from bot.emulator.conversation import Slack
from bot.intake import service as intake
from bot.intake.classifier import retrain_and_maybe_promote, train_from_policy
from bot.intake.models import IntakeRequest
from bot.storage.database import Database
from bot.tasks.models import Task
from policies.loader import load_policy
from tests.support.bots import running_bot
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow
TAXONOMY = Path(__file__).resolve().parents[2] / "policies" / "intake.yaml"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default model, trained once from the shipped taxonomy (about 5 s)."""
    directory = tmp_path_factory.mktemp("intake") / "model"
    train_from_policy(TAXONOMY, directory, progress=False)
    return directory


@pytest.fixture
def bot(db: Database, model_dir: Path) -> Iterator[LocalBot]:
    settings = Settings(database_url=db.url, intake_model_dir=model_dir)
    with running_bot(settings) as running:
        yield running


def requests(local: LocalBot) -> list[IntakeRequest]:
    with local.runtime.db.transaction() as session:
        return list(session.scalars(select(IntakeRequest).order_by(IntakeRequest.id)))


def bot_reply(slack: Slack, parent, contains: str):  # type: ignore[no-untyped-def]
    return eventually(
        lambda: next((m for m in slack.thread(parent).replies if contains in m.text), None),
        f"a reply containing {contains!r}",
        timeout=30,
    )


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


def test_out_of_scope_asks_and_the_answer_routes_and_is_stored(bot: LocalBot) -> None:
    slack = bot.slack
    asked = slack.say(
        "anyone want to grab lunch at the taco place?", as_user="rita", channel="intake"
    )
    question = bot_reply(slack, asked, "which is it?")
    assert "Something else" in str(question.blocks)
    [stored] = requests(bot)
    assert (stored.status, stored.reason, stored.label) == (
        "awaiting_confirmation",
        "out_of_scope",
        None,
    )

    # Lena is neither the requester nor in @triage: refused, nothing changes.
    first_pick = question.blocks[-1]["elements"][0]
    slack.click(first_pick["action_id"], as_user="lena", message=question)
    refusal = eventually(lambda: slack.last_ephemeral("lena"), "an ephemeral refusal")
    assert "can label this request" in refusal.text
    assert requests(bot)[0].status == "awaiting_confirmation"

    # Sam is in @triage: says it is not a marketing request.
    slack.click("Something else", as_user="sam", message=question)
    slack.wait_for_view("sam")
    slack.submit({"label": "Not a marketing request"}, as_user="sam")
    bot_reply(slack, asked, "marked this as not a marketing request")
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
    asked = slack.say("my laptop wont turn on, who do I ask", as_user="rita", channel="intake")
    bot_reply(slack, asked, "which is it?")
    with bot.runtime.db.transaction() as session:
        text = digest.channel_digest_text(session, bot.runtime.policy, bot.runtime.clock())
    assert text is not None and "Intake requests waiting for a label" in text and "laptop" in text


def test_retrain_uses_corrections_and_promotes_only_if_not_worse(
    tmp_path: Path, model_dir: Path
) -> None:
    """Corrections people made in Slack teach the next model; the held-out score decides."""
    current = tmp_path / "current"
    train_from_policy(TAXONOMY, current, progress=False)
    text = "pls set up the booth shipping for the trade show in Austin"
    result = retrain_and_maybe_promote(
        TAXONOMY, [(text, "event_support")], current, tmp_path / "candidate"
    )
    assert result.promoted and result.candidate_score >= (result.current_score or 0)
    from bot.intake.classifier import IntakeModel

    assert IntakeModel.load(current).classify(text).top3[0][0] == "event_support"


def test_policy_names_the_intake_channels_and_taxonomy() -> None:
    policy = load_policy(Path(__file__).resolve().parents[2] / "policies" / "default.yaml")
    assert policy.intake.channels == ["C02INTAKE"]
    assert policy.beside(policy.intake.taxonomy_file) == TAXONOMY
