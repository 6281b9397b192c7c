"""The local shell against the real bot: what a person typing a form sees."""

from __future__ import annotations

import io

from bot.app.local import LocalBot
from bot.emulator.shell import run_shell


def _shell(local: LocalBot, *lines: str) -> str:
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
        quiet=0.3,
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
