"""A form Slack no longer lets the bot open (found by the soak: `/brief new` redelivered to a
restarted instance carried a trigger id past Slack's 3 seconds, and the bot answered 500 with a
stack trace, again at every redelivery). Now the person is asked to try again, in a normal
answer, and nothing is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app.local import LocalBot
from bot.briefs.models import Brief
from tests.support.briefs import new_brief, shows_button
from tests.support.waiting import eventually

TRY_AGAIN = "form couldn't open. Please try again"


def test_a_command_with_an_expired_trigger_asks_to_try_again(local: LocalBot) -> None:
    local.emulator.trigger_ttl = 0  # every trigger is already too old when the bot uses it
    result = local.slack.command("/brief new", as_user="rita")
    assert result.status == 200
    assert TRY_AGAIN in local.slack.last_ephemeral("rita").text
    assert local.slack.view_of("rita") is None
    with local.runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Brief)) == 0


def test_a_button_with_an_expired_trigger_asks_to_try_again(local: LocalBot) -> None:
    parent = new_brief(local)
    local.emulator.trigger_ttl = 0
    shown = shows_button(local, parent, "Request changes")
    result = local.slack.click("Request changes", as_user="bram", message=shown)
    assert result.status == 200
    told = eventually(lambda: local.slack.last_ephemeral("bram"), "bram is told")
    assert TRY_AGAIN in told.text
    assert local.slack.view_of("bram") is None
