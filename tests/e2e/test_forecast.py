"""`/mops forecast` through Slack: the figures in plain words, what-ifs, the chart, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app.local import LocalBot
from bot.core.clock import utcnow
from tests.support.history import seed_brief


def _recent_monday_morning() -> datetime:
    """09:00 in New York on the Monday three weeks ago: history inside the 90-day window."""
    day = (utcnow() - timedelta(days=21)).date()
    day -= timedelta(days=day.weekday())
    return datetime(day.year, day.month, day.day, 14, tzinfo=UTC)


def _seed_weeks(local: LocalBot) -> None:
    """Two briefs a business day for two weeks: brand decides in about an hour (two people),
    legal in about two (one person); three wait in brand now."""
    t0 = _recent_monday_morning()
    brief_id = 0
    with local.runtime.db.transaction() as session:
        for day in [d for d in range(14) if d % 7 < 5]:
            for slot in (0, 4):
                brief_id += 1
                start = day * 24 + slot
                seed_brief(
                    session,
                    brief_id,
                    "approved",
                    t0,
                    [
                        ("submit", "in_review", "brand", "U01RITA", start),
                        (
                            "approve",
                            "in_review",
                            "brand",
                            ("U02BRAM", "U02BEA")[brief_id % 2],
                            start + 1,
                        ),
                        ("approve", "approved", "legal", "U03LENA", start + 3),
                    ],
                )
        for extra in range(3):
            brief_id += 1
            seed_brief(
                session,
                brief_id,
                "in_review",
                t0,
                [("submit", "in_review", "brand", "U01RITA", 14 * 24 + extra)],
            )


def test_forecast_in_plain_words(local: LocalBot) -> None:
    slack = local.slack
    slack.command("/mops forecast", as_user="omar")
    empty = slack.last_ephemeral("omar").text
    assert "Capacity forecast" in empty and "no briefs arrived" in empty
    slack.command("/mops forecast by=2099-01-01 chart", as_user="omar")
    nothing = slack.last_ephemeral("omar").text
    assert "no pace to project dates from" in nothing
    assert "No chart: no stage has enough history" in nothing and not local.emulator.files

    _seed_weeks(local)
    slack.command("/mops forecast", as_user="omar")
    text = slack.last_ephemeral("omar").text
    assert "*Brand* (3 waiting, 2 reviewers" in text
    assert "*Legal* (0 waiting, 1 reviewer" in text
    assert "busy" in text and "of briefs will take longer than the SLA (2 business days)" in text
    assert "The 3 briefs in review now" in text
    for internal in ("in_review", "breach_probability", "None"):
        assert internal not in text


def test_a_what_if_with_a_spike_and_more_reviewers(local: LocalBot) -> None:
    _seed_weeks(local)
    slack = local.slack
    slack.command("/mops forecast spike=6 from=2027-03-01 to=2027-03-12 legal=1", as_user="omar")
    text = slack.last_ephemeral("omar").text
    assert (
        "_What if 6× as many briefs arrive from Mon 1 Mar 2027 to Fri 12 Mar 2027 (10 business days)"
        in text
    )
    assert "the queue grows by about" in text and "over the spike" in text
    assert "To keep late briefs under 10%:" in text

    slack.command("/mops forecast legal=2 chart", as_user="omar", channel="marketing")
    assert "Legal has 2 reviewers" in slack.last_ephemeral("omar").text
    upload = local.emulator.wait_for(
        lambda: [
            f
            for f in local.emulator.files.values()
            if f.filename.startswith("capacity-forecast") and f.completed
        ],
    )
    assert upload[0].content and upload[0].content.startswith(b"\x89PNG")
    assert upload[0].channel == "C01MKTG"  # #marketing, where it was asked


def test_bad_options_get_the_usage_line_and_change_nothing(local: LocalBot) -> None:
    slack = local.slack
    for line, reason in [
        ("/mops forecast spike=lots", "`spike=lots`: give a number, like `spike=2`."),
        ("/mops forecast legal=two", "`legal=two`: give a whole number, like `legal=3`."),
        ("/mops forecast days=1.5", "`days=1.5`: give a whole number, like `days=90`."),
        ("/mops forecast to=soon from=2027-03-01", "`soon` is not a date like 2027-03-01."),
        ("/mops forecast from=2027-03-01 spike=2", "`from` and `to` together"),
        ("/mops forecast marketing=3", "not an option or a review stage"),
        ("/mops forecast legal=0", "between 1 and 200"),
        ("/mops forecast by=2020-01-01", "a day after today"),
        ("/mops forecast please", "I don't understand `please`"),
    ]:
        slack.command(line, as_user="omar")
        answer = slack.last_ephemeral("omar").text
        assert reason in answer and "Usage: `/mops forecast" in answer, line
    assert not local.emulator.files
