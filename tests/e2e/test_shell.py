"""The local shell against the real bot: what a person typing a form sees."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from bot.app.local import LocalBot
from bot.emulator.shell import run_shell
from tests.support.policies import trained, with_untrained_compliance_model


def _shell(local: LocalBot, *lines: str, quiet: float = 0.3) -> str:
    secret = local.runtime.settings.slack_signing_secret
    assert secret is not None
    out = io.StringIO()
    script = io.StringIO("\n".join([*lines, "quit"]) + "\n")
    run_shell(
        local.server.url,
        secret.get_secret_value(),
        local.emulator,
        stdin=script,
        stdout=out,
        quiet=quiet,
    )
    return out.getvalue()


def test_an_impossible_date_is_refused_inline_and_the_rest_of_the_form_is_kept(
    local: LocalBot,
) -> None:
    text = _shell(
        local,
        "/brief new",
        "SMB pricing page launch",
        "Launch the new SMB pricing page and grow trials",
        "SMB marketing leads",
        "9",  # not one of the seven channels: asked again, nothing lost
        "3",
        "2026-13-45",
        "5000",
        "",
        "",
        "",
        "2027-03-01",  # only the date is asked again
    )
    assert "! choose a number from 1 to 7" in text
    assert "! Launch date: 2026-13-45 is not a date. Please enter one as YYYY-MM-DD" in text
    assert text.count("Title (required)") == 1 and text.count("Launch date (required") == 2
    assert "Brief #1: SMB pricing page launch" in text
    assert "*Budget (USD):* 5,000" in text


def test_a_file_is_shared_with_the_words_typed_after_its_path_as_its_caption(
    local: LocalBot, tmp_path: Path
) -> None:
    image = tmp_path / "2027-03-spring-launch-hero.png"
    Image.new("RGB", (1200, 675), "white").save(image)
    promise = "Your savings are fully protected, whatever the market does."
    text = _shell(
        local,
        "/brief new",
        "Spring savings push",
        "Grow sign-ups",
        "Small business owners",
        "2",
        "2027-03-15",
        "",
        "",
        "",
        "",
        "thread 1",
        f"upload {image} {promise}",
        quiet=2.0,  # the file's check waits for files.info, a background task: seconds
    )
    # The person sees their own upload, its caption under their name, as Slack shows it.
    assert f"rita:\n  {promise}\n  [file: 2027-03-spring-launch-hero.png]" in text
    assert "*2027-03-spring-launch-hero.png* is attached to brief #1" in text
    assert f"the caption's \u201c{promise}\u201d reads as a financial promise" in text
    # The redrawn checklist says "edited" once, not before and after its author.
    assert "(edited) mopsbot: (edited)" not in text
    assert "mopsbot: (edited)" in text


def test_a_message_to_someone_elses_dm_is_named_by_whose_it_is(local: LocalBot) -> None:
    text = _shell(local, "as sam", "/mops away until 2099-12-20 @rita", quiet=1.0)
    assert "(new in @rita's messages with the bot) mopsbot: @sam is away until" in text
    assert "#U01RITA" not in text and "#D0" not in text


class _TypingSlowly(io.StringIO):
    """Standard input whose `before`-th line is read only after `meanwhile()` ran: something
    that happens in Slack while the person is still typing."""

    def __init__(self, text: str, before: int, meanwhile: Callable[[], None]) -> None:
        super().__init__(text)
        self.read_lines, self.before, self.meanwhile = 0, before, meanwhile

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        self.read_lines += 1
        if self.read_lines == self.before:
            self.meanwhile()
        return super().readline(size)


def test_a_reply_that_came_while_typing_is_shown_once_in_the_thread_it_opens(
    local: LocalBot,
) -> None:
    secret = local.runtime.settings.slack_signing_secret
    assert secret is not None
    marketing = local.emulator.channel("marketing").id
    bram = local.emulator.user("bram").id

    def bram_replies() -> None:
        parent = local.emulator.messages(marketing)[-1]
        local.emulator.record_user_message(marketing, bram, "On it", parent.ts)

    out = io.StringIO()
    script = _TypingSlowly("Anyone free to proofread?\nshow\nthread 1\nquit\n", 3, bram_replies)
    run_shell(local.server.url, secret.get_secret_value(), local.emulator, script, out, quiet=0.3)
    text = out.getvalue()
    assert "--- thread in #marketing ---" in text
    assert text.count("On it") == 1, text


def test_close_at_a_form_prompt_closes_the_form_as_the_help_says(local: LocalBot) -> None:
    text = _shell(local, "/brief new", "close", "show")
    assert "=== New brief === (`cancel` closes it)" in text
    assert "(the modal closed)" in text and "Brief #" not in text


def test_what_was_typed_is_kept_when_the_bot_refuses_a_form_and_enter_keeps_it(
    local: LocalBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack keeps what a person typed in a modal the bot answered with an error; the shell asks
    that input again, and Enter sends what was typed, as a second Submit would."""
    with_untrained_compliance_model(local, tmp_path, monkeypatch)
    secret = local.runtime.settings.slack_signing_secret
    assert secret is not None
    lines = ["/brief new", "Spring push", "Grow sign-ups", "Small business owners", "2"]
    lines += ["2027-03-15", "", "", "", "", "", "quit"]
    out = io.StringIO()
    # The model is in memory before the person answers the question asked again (line 11).
    script = _TypingSlowly("\n".join(lines) + "\n", 11, lambda: trained(local))
    run_shell(local.server.url, secret.get_secret_value(), local.emulator, script, out, quiet=0.5)
    text = out.getvalue()
    assert "! Title: I've just restarted and my compliance check is still loading" in text
    assert "    (Enter keeps: Spring push)" in text
    assert "Brief #1: Spring push" in text


def test_a_channel_picker_says_what_to_type_and_offers_the_channel_it_starts_on(
    local: LocalBot,
) -> None:
    text = _shell(local, "as omar", "/mops experiment new", *[""] * 20, "cancel")
    assert "Post the experiment in (required, a channel, like #marketing)" in text
    assert "    (Enter keeps: #marketing)" in text
