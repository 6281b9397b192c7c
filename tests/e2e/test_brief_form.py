"""The brief form says what Slack's own inputs accept: a past launch date gets an inline error,
the number box's hint matches what it takes, and a link is judged by what is wrong with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app.local import LocalBot
from bot.briefs.models import Brief
from tests.support.briefs import brief_row, form_values, wait_state


def briefs_stored(local: LocalBot) -> int:
    with local.runtime.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Brief)) or 0


def test_a_launch_date_in_the_past_is_refused_inline(local: LocalBot) -> None:
    slack = local.slack
    slack.command("/brief new", as_user="rita")
    yesterday = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    result = slack.submit(form_values(local.runtime.policy, launch_date=yesterday), as_user="rita")
    assert "passed" in result.errors.get("launch_date", ""), result.errors
    assert slack.view_of("rita") is not None and briefs_stored(local) == 0
    later = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    assert not slack.submit({"launch_date": later}, as_user="rita").errors
    wait_state(local, "in_review")


def element(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def test_the_number_hint_matches_what_slacks_number_box_takes(local: LocalBot) -> None:
    slack = local.slack
    slack.command("/brief new", as_user="rita")
    budget = element(slack.view_of("rita") or {}, "budget")
    hint = budget["hint"]["text"]
    assert "1,500" not in hint and "1500.50" in hint
    result = slack.submit(form_values(local.runtime.policy, budget="1,500.50"), as_user="rita")
    assert result.errors.get("budget")  # Slack's number box refuses commas, as the hint says
    assert not slack.submit({"budget": "1500.50"}, as_user="rita").errors
    assert wait_state(local, "in_review").fields["budget"] == 1500.5


def test_a_link_with_ampersands_and_angle_brackets_is_accepted(local: LocalBot) -> None:
    slack = local.slack
    slack.command("/brief new", as_user="rita")
    assert element(slack.view_of("rita") or {}, "links")["element"]["type"] == "url_text_input"
    link = "https://docs.example.com/brief?id=1&v=<2>"
    result = slack.submit(form_values(local.runtime.policy, links=link), as_user="rita")
    assert not result.errors, result.errors
    brief = wait_state(local, "in_review")
    assert brief.fields["links"] == "https://docs.example.com/brief?id=1&v=%3C2%3E"
    assert brief_row(local).fields["links"].startswith("https://")


def test_a_bad_link_is_told_what_is_wrong_with_it(local: LocalBot) -> None:
    slack = local.slack
    slack.command("/brief new", as_user="rita")
    values = form_values(local.runtime.policy, links="docs.example.com/brief")
    assert "https://" in slack.submit(values, as_user="rita").errors["links"]
    spaced = slack.submit({"links": "https://docs.example.com/my brief"}, as_user="rita")
    assert "spaces" in spaced.errors["links"]
    assert not slack.submit({"links": "http://docs.example.com/brief"}, as_user="rita").errors
