"""`/mops goals`, `/mops scorecard` and the goals in the weekly digest and the App Home."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app.local import LocalBot
from bot.digests import service as digest
from bot.intake.models import IntakeRequest
from bot.slack.models import OutboxMessage
from tests.support.clock import Clock
from tests.support.history import seed_brief

NY = ZoneInfo("America/New_York")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 30, 8, 0, tzinfo=NY))  # a Monday, the policy's chart day


def _requests(local: LocalBot, start: datetime, label: str, days: int) -> None:
    """A request under `label` every day for `days` days, each done an hour after it came."""
    with local.runtime.db.transaction() as session:
        for day in range(days):
            received = start + timedelta(days=day, hours=1)
            session.add(
                IntakeRequest(
                    channel_id="C02INTAKE",
                    ts=f"{received.timestamp():.6f}",
                    user_id="U01RITA",
                    text="resize the banner",
                    label=label,
                    reason="confident",
                    received_at=received,
                    done_at=received + timedelta(hours=1),
                )
            )


def _history(local: LocalBot, start: datetime) -> None:
    """Three weeks: two briefs a week, one of them sent back once; resize requests every day."""
    with local.runtime.db.transaction() as session:
        number = 0
        for week in range(3):
            for slot in range(2):
                number += 1
                events = [("submit", "in_review", "brand", "U01RITA", 0.0)]
                if slot == 0:
                    events += [
                        ("request_changes", "changes_requested", "brand", "U02BRAM", 1.0),
                        ("resubmit", "in_review", "brand", "U01RITA", 2.0),
                    ]
                events += [
                    ("approve", "in_review", "brand", "U02BRAM", 3.0),
                    ("approve", "approved", "legal", "U03LENA", 4.0),
                ]
                seed_brief(
                    session, number, "approved", start + timedelta(weeks=week, days=slot), events
                )
    _requests(local, start, "design", 15)  # a label no longer in the policy


def test_goals_and_scorecard_in_slack(timed: LocalBot, clock: Clock) -> None:
    slack = timed.slack
    slack.command("/mops goals", as_user="omar")
    empty = slack.last_ephemeral("omar").text
    assert "*Rework under 10%*: no data yet, too early to tell (target: under 10%)" in empty
    assert (
        "*Approvals 20% faster*: no data yet, too early to tell (target: 20% down from its level "
        "in 1 Sep to 30 Sep 2026, a period with no data to compare with)"
    ) in empty

    _history(timed, datetime(2026, 11, 9, 9, tzinfo=NY))
    slack.command("/mops goals", as_user="omar")
    text = slack.last_ephemeral("omar").text
    assert "*Rework under 10%*: 50% sent back over the last 4 weeks, not yet" in text
    assert "last 8 weeks" in text  # the trend
    assert "*Four on-time launches in a row*: no data yet, too early to tell" in text
    for internal in ("rework_rate", "approval_p50_hours", "on_time_launches", "None"):
        assert internal not in text

    slack.command("/mops scorecard", as_user="omar")
    card = slack.last_ephemeral("omar").text
    assert "*Where to automate next* (last 8 weeks" in card
    # "design" is no longer a label of the policy: its name, capitalised.
    assert (
        "*Design* (requests): 1.9 requests a week" in card and "→ *assist*: only 1.9 a week" in card
    )
    assert (
        "*Brand* (review stage): 1.1 reviews a week" in card
    )  # six stays plus three second rounds
    assert "→ *assist*: 33% sent back: a draft or pre-check, a person decides" in card
    assert "*Legal* (review stage)" in card and "→ *keep manual*: only 0.8 a week" in card

    slack.open_home("omar")
    home = timed.emulator.wait_for(lambda: timed.emulator.home("U04OMAR"))
    assert "*Team goals*" in str(home["blocks"]) and "Rework under 10%" in str(home["blocks"])

    slack.command("/mops scorecard now", as_user="omar")
    assert "Usage: `/mops scorecard`" in slack.last_ephemeral("omar").text


def test_the_weekly_digest_reports_the_goals_once(timed: LocalBot, clock: Clock) -> None:
    _history(timed, datetime(2026, 11, 9, 9, tzinfo=NY))
    runtime = timed.runtime
    clock.now = datetime(2026, 11, 30, 9, 5, tzinfo=NY)
    digest.tick(runtime.db, runtime.policy, runtime.directory, runtime.clock())
    digest.tick(runtime.db, runtime.policy, runtime.directory, runtime.clock())  # no second one
    with runtime.db.read() as session:
        texts = [
            row.payload.get("text", "")
            for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
    goals = [text for text in texts if text.startswith("*This week against the team's goals*")]
    assert len(goals) == 1 and "Rework under 10%" in goals[0]


def test_the_scorecard_names_a_label_by_its_title(timed: LocalBot, clock: Clock) -> None:
    _requests(timed, datetime(2026, 11, 9, 9, tzinfo=NY), "utm_links", 3)
    timed.slack.command("/mops scorecard", as_user="omar")
    card = timed.slack.last_ephemeral("omar").text
    assert "*UTM links* (requests): 0.4 requests a week" in card, card
