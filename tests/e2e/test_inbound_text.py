"""Text people type reaches the bot in Slack's encoding (`R&amp;D`, `<@U02BRAM>`); whatever the
bot shows again (the digest, the "Open a brief" form, the brief it posts) reads as they typed it,
escaped once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.config import Settings
from bot.app.local import LocalBot
from bot.digests import service as digest
from bot.emulator.render import mrkdwn
from bot.intake.classifier import train_from_policy
from bot.storage.database import Database
from tests.support.bots import running_bot
from tests.support.briefs import form_values
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow
TAXONOMY = Path(__file__).resolve().parents[2] / "policies" / "intake.yaml"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("intake") / "model"
    train_from_policy(TAXONOMY, directory, progress=False)
    return directory


@pytest.fixture
def bot(db: Database, model_dir: Path) -> Iterator[LocalBot]:
    with running_bot(Settings(database_url=db.url, intake_model_dir=model_dir)) as running:
        yield running


def _reply(bot: LocalBot, parent, contains: str):  # type: ignore[no-untyped-def]
    return eventually(
        lambda: next((m for m in bot.slack.thread(parent).replies if contains in m.text), None),
        f"a reply containing {contains!r}",
        timeout=30,
    )


def test_the_digest_quotes_a_request_as_it_was_typed(bot: LocalBot) -> None:
    asked = bot.slack.say(
        "can you take a look at the R&D <3 deck with @bram and the video for the launch",
        as_user="rita",
        channel="intake",
    )
    assert "R&amp;D &lt;3" in asked.text and "<@U02BRAM>" in asked.text  # what Slack sent
    _reply(bot, asked, "which is it?")
    with bot.runtime.db.transaction() as session:
        text = digest.channel_digest_text(
            session, bot.runtime.policy, bot.runtime.clock(), bot.runtime.names()
        )
    assert text is not None
    assert "R&amp;D &lt;3 deck with @bram" in text  # escaped once, a name and no ping
    assert "&amp;amp;" not in text and "<@U02BRAM>" not in text.split("ago:")[-1]
    shown = "“can you take a look at the R&D <3 deck with @bram and the video for the launch”"
    assert shown in mrkdwn(text)


def test_open_a_brief_prefills_readable_text_and_the_brief_is_escaped_once(
    bot: LocalBot,
) -> None:
    slack = bot.slack
    # In Slack's encoding the mention sits across character 80, where the title was cut.
    lead = "we need a go-to-market campaign plan for the EMEA expansion in Q3 with"
    asked = slack.say(
        f"{lead} @bram for R&D, email + paid + events",
        as_user="rita",
        channel="intake",
    )
    reply = _reply(bot, asked, "Campaign brief")
    slack.click("Open a brief", as_user="rita", message=reply)
    view = slack.wait_for_view("rita")
    initial = {
        b["block_id"]: b["element"].get("initial_value")
        for b in view["blocks"]
        if b["type"] == "input"
    }
    assert initial["title"].startswith(f"{lead} @bram")
    assert initial["objective"] == f"{lead} @bram for R&D, email + paid + events"
    for value in initial.values():
        assert value is None or ("&lt;" not in value and "&amp;" not in value and "<@" not in value)
    # Rita submits the prefilled form as it stands, with the required fields filled in.
    values = form_values(bot.runtime.policy)
    values.pop("title"), values.pop("objective")
    result = slack.submit(values, as_user="rita")
    assert result.status == 200 and not result.errors, result.errors
    parent = slack.wait_for_message(lambda m: m.text.startswith("Brief #"), channel="marketing")
    shown = str(parent.blocks)
    assert "R&amp;D" in shown and "&amp;amp;" not in shown and "&amp;lt;" not in shown
