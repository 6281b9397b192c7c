"""Daily digests: at the target's local time, exactly once per day, not when empty, opt-out honoured
(the personal digest's own rules are in test_personal_digest)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app.local import LocalBot
from bot.digests import service as digest
from bot.digests.models import DigestRun
from bot.slack.models import OutboxMessage
from bot.slack.outbox import FILE_UPLOAD
from bot.storage.database import Database
from tests.support.briefs import approve, new_brief, wait_stage, wait_state
from tests.support.clock import Clock
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 9, 8, 0, tzinfo=NY))


def digests(local: LocalBot) -> list[OutboxMessage]:
    with local.runtime.db.transaction() as session:
        return [
            row
            for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            if row.payload.get("text", "").startswith(("*Daily brief digest*", "*Waiting on you*"))
        ]


def tick(local: LocalBot, db: Database | None = None) -> int:
    runtime = local.runtime
    return digest.tick(db or runtime.db, runtime.policy, runtime.directory, runtime.clock())


def test_empty_digest_is_not_sent(timed: LocalBot, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 9, 9, 1, tzinfo=NY)
    assert tick(timed) == 0
    assert digests(timed) == []
    with timed.runtime.db.transaction() as session:
        # Monday is the chart day: with no review finished, the chart is recorded empty as well
        runs = session.execute(select(DigestRun.kind, DigestRun.empty).order_by(DigestRun.kind))
        assert runs.all() == [
            ("channel", True),
            ("experiments", True),
            ("weekly_chart", True),
            ("weekly_goals", True),
        ]


def test_channel_digest_once_a_day_at_local_time(timed: LocalBot, clock: Clock) -> None:
    new_brief(timed, title="Holiday campaign")
    tick(timed)  # 08:00 in New York: the channel's digest is not due yet
    assert [row for row in digests(timed) if row.payload["channel"] == "C01MKTG"] == []
    clock.now = datetime(2026, 11, 10, 9, 0, tzinfo=NY)
    assert tick(timed) >= 1
    assert tick(timed) == 0  # once a day, however often the tick runs
    (channel,) = [row for row in digests(timed) if row.payload["channel"] == "C01MKTG"]
    text = channel.payload["text"]
    assert "Holiday campaign" in text and "*Brand* (1)" in text and "waiting on" in text
    clock.now = datetime(2026, 11, 11, 9, 0, tzinfo=NY)
    assert tick(timed) >= 1  # the next day's digest


def test_personal_digest_and_opt_out(timed: LocalBot, clock: Clock) -> None:
    new_brief(timed)
    timed.slack.command("/mops digest on", as_user="bram")
    timed.slack.command("/mops digest off", as_user="bram")
    assert "off" in timed.slack.last_ephemeral("bram").text
    clock.now = datetime(2026, 11, 10, 10, 0, tzinfo=NY)  # 16:00 in Amsterdam
    tick(timed)
    assert [row for row in digests(timed) if row.payload["channel"] == "U02BRAM"] == []
    timed.slack.command("/mops digest on", as_user="bram")
    tick(timed)
    (mine,) = [row for row in digests(timed) if row.payload["channel"] == "U02BRAM"]
    assert "Waiting on you" in mine.payload["text"]


def test_two_instances_send_each_digest_once(timed: LocalBot, clock: Clock, db: Database) -> None:
    new_brief(timed)
    clock.now = datetime(2026, 11, 10, 9, 30, tzinfo=NY)
    other = Database(db.url)
    threads = [threading.Thread(target=tick, args=(timed, d)) for d in (timed.runtime.db, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    channel = [row for row in digests(timed) if row.payload["channel"] == "C01MKTG"]
    assert len(channel) == 1
    other.dispose()


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def shared_files(local: LocalBot) -> list:
    return [f for f in local.emulator.files.values() if f.completed and f.channel == "C01MKTG"]


def uploads(local: LocalBot) -> list[OutboxMessage]:
    with local.runtime.db.transaction() as session:
        return list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.method == FILE_UPLOAD))
        )


def delivered(local: LocalBot) -> None:
    # Polled: the emulator's wait_for re-checks on Slack-side changes only, and a row is marked
    # delivered just after its last call, so it could sleep out its whole timeout (5 s) instead.
    eventually(
        lambda: all(row.status == "delivered" for row in uploads(local)), "every upload delivered"
    )


def test_weekly_chart_on_the_chart_day_once_through_a_rate_limit(
    timed: LocalBot, clock: Clock
) -> None:
    parent = new_brief(timed, title="Holiday campaign")  # Monday 9 November, 08:00 in New York
    clock.now += timedelta(hours=3)
    approve(timed, parent, "bram")
    wait_stage(timed, "legal")
    clock.now += timedelta(hours=2)
    approve(timed, parent, "lena")
    wait_state(timed, "approved")
    clock.now = datetime(2026, 11, 9, 13, 30, tzinfo=NY)  # Monday is the policy's chart day
    timed.emulator.fail_next("files.getUploadURLExternal", error="ratelimited", retry_after=1)
    tick(timed)
    eventually(
        lambda: [row.last_error for row in uploads(timed)] == ["ratelimited"], "the retry noted"
    )
    assert shared_files(timed) == []  # Slack said wait; the row waits, on the bot's clock
    clock.now += timedelta(seconds=2)
    timed.runtime.sender.wake()
    [chart] = timed.emulator.wait_for(lambda: shared_files(timed), description="the chart")
    assert chart.content is not None and chart.content[:8] == PNG_MAGIC
    assert chart.filename == "cycle-times-2026-11-09.png"
    [message] = timed.emulator.wait_for(
        lambda: [m for m in timed.emulator.messages("marketing") if m.files],
        description="the share",
    )
    assert message.files[0]["mimetype"] == "image/png"
    assert message.text.startswith("*Weekly flow chart*")
    assert [c.error for c in timed.emulator.calls_to("files.getUploadURLExternal")] == [
        "ratelimited",
        None,
    ]

    clock.now += timedelta(hours=1)
    tick(timed)  # the same Monday again: nothing new
    clock.now = datetime(2026, 11, 10, 13, 30, tzinfo=NY)
    tick(timed)  # Tuesday: the daily digest only
    delivered(timed)
    assert len(uploads(timed)) == 1 and len(shared_files(timed)) == 1

    clock.now = datetime(2026, 11, 16, 9, 0, tzinfo=NY)  # next Monday: this week's chart
    tick(timed)
    delivered(timed)
    assert len(uploads(timed)) == 2
    assert [f.content[:8] for f in shared_files(timed)] == [PNG_MAGIC, PNG_MAGIC]  # type: ignore[index]


def test_digest_lines_say_hours_and_times_in_words_people_read(
    timed: LocalBot, clock: Clock
) -> None:
    new_brief(timed, title="Holiday campaign")  # Monday 08:00 in New York; brand has 2 days
    clock.now = datetime(2026, 11, 10, 9, 0, tzinfo=NY)  # 8.5 business hours later, due tomorrow
    tick(timed)
    (channel,) = [row for row in digests(timed) if row.payload["channel"] == "C01MKTG"]
    text = channel.payload["text"]
    assert "waiting on *@brand-team* for 8.5 business hours" in text
    assert "business h," not in text and "breached" not in text
    due = next(line for line in text.splitlines() if "due soon" in line)
    assert "by <!date^" in due  # each reader sees their own time zone
    clock.now = datetime(2026, 11, 12, 9, 0, tzinfo=NY)  # a business day overdue
    tick(timed)
    text = [row for row in digests(timed) if row.payload["channel"] == "C01MKTG"][-1].payload[
        "text"
    ]
    assert ":red_circle: *overdue*" in text
