"""/mops stats and the App Home, through Slack."""

from __future__ import annotations

from bot.local import LocalBot
from tests.e2e.test_briefs import approve, new_brief, wait_state


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
    home = local.emulator.wait_for(lambda: local.emulator.home("U02BRAM"), timeout=5)
    text = str(home["blocks"])
    assert "Waiting on you" in text and "Webinar push" in text
    assert "The team, last 30 days" in text
