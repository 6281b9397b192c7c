"""A mention of the bot answers with help, wherever it is; in an intake channel a mention that
asks for help is not a request (nobody is paged)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.emulator.conversation import Slack
from bot.intake.models import IntakeRequest
from bot.slack.models import OutboxMessage
from bot.storage.database import Database
from bot.tasks.models import Task
from tests.support.waiting import eventually

BOT = "@mopsbot"  # typed; Slack sends it as <@U00BOT>


def _requests(local: LocalBot) -> int:
    with local.runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(IntakeRequest)) or 0


def test_a_mention_in_any_channel_answers_with_help(local: LocalBot, slack: Slack) -> None:
    said = slack.say(f"{BOT} what can you do?", as_user="bram", channel="marketing")
    answer = eventually(lambda: slack.last_ephemeral("bram"), "the help, to bram only")
    assert answer.channel == "C01MKTG" and "/brief new" in answer.text
    assert "<#C02INTAKE>" in answer.text  # where to post a request
    assert slack.thread(said).replies == []  # nothing in the channel for everyone


def test_a_mention_in_a_thread_is_answered_in_that_thread(local: LocalBot, slack: Slack) -> None:
    parent = slack.say("spring launch planning", as_user="rita", channel="marketing")
    slack.say(f"{BOT} help", as_user="bram", channel="marketing", thread=parent)
    answer = eventually(lambda: slack.last_ephemeral("bram"), "the help, in the thread")
    assert answer.thread_ts == parent.ts and "/brief new" in answer.text


def test_asking_the_bot_for_help_in_intake_is_not_a_request(local: LocalBot, slack: Slack) -> None:
    said = slack.say(f"{BOT} help", as_user="rita", channel="intake")
    answer = eventually(lambda: slack.last_ephemeral("rita"), "the help")
    assert answer.channel == "C02INTAKE" and "/brief new" in answer.text
    assert _requests(local) == 0
    with local.runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 0  # nothing to classify
    assert slack.thread(said).replies == []
    assert not any("S04TRIAGE" in m.text for m in slack.messages("intake", include_threads=True))


def test_a_request_that_mentions_the_bot_is_a_request(db: Database) -> None:
    """Addressed to the bot, and a request all the same: the intake flow takes it, not help.
    (No workers: the request waits for the model in its task row, which this test needs not.)"""
    settings = Settings(database_url=db.url)
    with local_bot(settings, migrate_first=False, background=False) as local:
        result = local.driver.message(
            "intake", "rita", f"{BOT} we need a banner and three ad sizes for the spring promo"
        )
        assert result.status == 200
        assert result.mention is not None and result.mention.status == 200
        assert _requests(local) == 1
        with local.runtime.db.read() as session:
            methods = list(session.scalars(select(OutboxMessage.method)))
        assert "chat.postEphemeral" not in methods  # no help for a request


def test_a_mention_in_an_intake_thread_is_answered(local: LocalBot, slack: Slack) -> None:
    """A reply in a request's thread is no new request, so whatever it says, the mention is
    answered (nothing else would answer it)."""
    parent = local.driver.message("intake", "omar", "@mopsbot", thread_ts=None).message
    assert parent is not None
    slack.say(
        f"{BOT} can you also add the pricing FAQ to it",
        as_user="rita",
        channel="intake",
        thread=parent,
    )
    answer = eventually(lambda: slack.last_ephemeral("rita"), "the help, in the thread")
    assert answer.thread_ts == parent.ts and "/brief new" in answer.text
