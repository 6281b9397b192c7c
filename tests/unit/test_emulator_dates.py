"""Date tokens as a Slack client shows them to one reader: their zone, their "today"."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.emulator.dates import ordinal, shown
from bot.emulator.render import Names, mrkdwn
from bot.slack.blocks import local_time

AT = datetime(2026, 12, 7, 13, 2, tzinfo=UTC)  # a Monday
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def token(at: datetime, style: str) -> str:
    return f"{int(at.timestamp())}^{style}"


def test_each_reader_sees_their_own_clock_and_their_own_today() -> None:
    style = "{date_short_pretty} at {time}"
    assert shown(token(AT, style), "x", "America/New_York", NOW) == "Today at 8:02 AM"
    assert shown(token(AT, style), "x", "Europe/London", NOW) == "Today at 1:02 PM"
    # 18:32 in Kolkata; and 13:02 UTC on the 7th is already the 8th in Auckland, so not "today"
    assert shown(token(AT, style), "x", "Asia/Kolkata", NOW) == "Today at 6:32 PM"
    assert shown(token(AT, style), "x", "Pacific/Auckland", NOW) == "Tomorrow at 2:02 AM"
    # "accepted by @rita at 8:02 AM today": a relative day inside a sentence stays lower case
    assert shown(token(AT, "{time} {date_short_pretty}"), "x", "America/New_York", NOW) == (
        "8:02 AM today"
    )
    late = datetime(2027, 2, 22, 22, 30, tzinfo=UTC)
    assert shown(token(late, "due {date_short_pretty}"), "x", "UTC", NOW) == "due Feb 22, 2027"


def test_every_format_slack_documents() -> None:
    formats = "{date_num}|{date}|{date_short}|{date_long}|{time}|{time_secs}|{date_long_pretty}"
    assert shown(token(AT, formats), "x", "UTC", datetime(2026, 12, 8, tzinfo=UTC)) == (
        "2026-12-07|December 7th, 2026|Dec 7, 2026|Monday, December 7th, 2026|1:02 PM"
        "|1:02:00 PM|yesterday"
    )
    assert [ordinal(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"
    ]  # fmt: skip
    assert shown(token(datetime(2026, 12, 7, 0, 5, tzinfo=UTC), "{time}"), "x", "UTC", NOW) == (
        "12:05 AM"
    )


def test_an_unknown_format_or_a_broken_token_shows_the_fallback() -> None:
    assert shown(token(AT, "{ago}"), "2026-12-07 13:02 UTC", "UTC", NOW) == "2026-12-07 13:02 UTC"
    assert shown("soon^{date}", "the fallback", "UTC", NOW) == "the fallback"


def test_the_shell_shows_the_bots_dates_in_the_readers_zone_and_tests_see_the_fallback() -> None:
    text = f"Updated {local_time(datetime(2020, 1, 2, 15, 4, tzinfo=UTC))}"
    names = Names.of()
    assert mrkdwn(text, names) == "Updated 2020-01-02 15:04 UTC"  # no reader: the fallback
    reader = dataclasses.replace(names, tz="America/Los_Angeles")
    assert mrkdwn(text, reader) == "Updated Jan 2, 2020 at 7:04 AM"
    # "today" is the reader's clock's (the bot's, a test's when it sets one), not the machine's
    that_day = dataclasses.replace(reader, clock=lambda: datetime(2020, 1, 2, 20, tzinfo=UTC))
    assert mrkdwn(text, that_day) == "Updated Today at 7:04 AM"
