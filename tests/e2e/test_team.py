"""/mops stats and the App Home, through Slack."""

from __future__ import annotations

from bot.app.local import LocalBot
from tests.support.briefs import approve, new_brief, wait_state


def test_stats_after_an_approval(local: LocalBot) -> None:
    parent = new_brief(local)
    approve(local, parent, "bram")
    approve(local, parent, "lena")
    wait_state(local, "approved")
    local.slack.command("/mops stats 7d", as_user="omar")
    text = local.slack.last_ephemeral("omar").text
    assert "*Flow over the last 7 days*" in text
    assert "End to end" in text and "(n=1)" in text
    assert "Bottleneck" in text
    local.slack.command("/mops stats forever", as_user="omar")
    assert "Usage" in local.slack.last_ephemeral("omar").text


def test_home_tab_shows_the_queue_and_figures(local: LocalBot) -> None:
    new_brief(local, title="Webinar push")
    local.slack.open_home("bram")
    home = local.emulator.wait_for(lambda: local.emulator.home("U02BRAM"))
    text = str(home["blocks"])
    assert "Waiting on you" in text and "Webinar push" in text
    assert "The team, last 30 days" in text


def test_mops_lint(local: LocalBot) -> None:
    slack = local.slack
    slack.command("/mops lint Guaranteed returns, totally risk-free <!channel>", as_user="rita")
    answer = slack.last_ephemeral("rita").text
    assert "Financial promise" in answer and "legal" in answer
    assert "<!channel>" not in answer
    slack.command("/mops lint Feel free to ask us anything.", as_user="rita")
    assert "No regulated claims" in slack.last_ephemeral("rita").text
    slack.command(
        "/mops lint --channel sms Big sale this weekend at the downtown store", as_user="rita"
    )
    assert (
        "STOP" in slack.last_ephemeral("rita").text
        or "opt-out" in slack.last_ephemeral("rita").text.lower()
    )
    slack.command("/mops lint --channel fax hello", as_user="rita")
    assert "Usage" in slack.last_ephemeral("rita").text
    slack.command("/mops lint", as_user="rita")
    assert "Usage" in slack.last_ephemeral("rita").text


def test_the_bottleneck_line_says_hours_in_words(local: LocalBot) -> None:
    new_brief(local)  # one brief waiting at brand since a moment ago
    local.slack.command("/mops stats 7d", as_user="omar")
    line = next(
        line
        for line in local.slack.last_ephemeral("omar").text.splitlines()
        if line.startswith("*Bottleneck*")
    )
    assert "0.0" not in line and " h " not in line and " h;" not in line, line
    assert "the oldest for under an hour" in line
