"""SLA reminders with a controlled clock: at 75%, at breach, in the recipient's hours, once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app.local import LocalBot
from bot.briefs import lock
from bot.sla import reminders
from bot.sla.models import Reminder
from bot.slack.models import OutboxMessage
from bot.storage.database import Database
from tests.support.briefs import approve, new_brief
from tests.support.clock import Clock
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 9, 9, 0, tzinfo=NY))  # a Monday morning in New York


def rows(local: LocalBot) -> list[Reminder]:
    with local.runtime.db.transaction() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


def tick(local: LocalBot) -> int:
    runtime = local.runtime
    handled = reminders.tick(runtime.db, runtime.policy, runtime.directory, runtime.clock())
    runtime.sender.wake()
    return handled


def dms_to(local: LocalBot, name: str) -> list:
    """Messages in the bot's DM with a person (the emulator's DM channels are D01RITA, ...)."""
    return [
        m
        for m in local.emulator.workspace.all_messages()
        if m.channel.startswith("D") and m.channel.endswith(name)
    ]


def test_reminder_at_75_percent_waits_for_the_recipients_morning(
    timed: LocalBot, clock: Clock
) -> None:
    parent = new_brief(timed)
    planned = rows(timed)
    assert [(r.kind, r.due_at.astimezone(NY)) for r in planned] == [
        ("reminder", datetime(2026, 11, 10, 13, 15, tzinfo=NY)),  # 75% of 17 business hours
        ("escalation", datetime(2026, 11, 10, 17, 30, tzinfo=NY)),
    ]  # the breach
    clock.now = datetime(2026, 11, 10, 13, 16, tzinfo=NY)  # 19:16 in Amsterdam, Bram's evening
    assert tick(timed) == 1
    note = timed.slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "Reminder" in m.text)
    assert "@brand-team" in note.text
    with timed.runtime.db.transaction() as session:
        dm = session.scalars(
            select(OutboxMessage).where(OutboxMessage.payload["channel"].as_string() == "U02BRAM")
        ).one()
    assert dm.not_before == datetime(2026, 11, 11, 8, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert tick(timed) == 0  # sent once
    clock.now = datetime(2026, 11, 11, 2, 1, tzinfo=NY)  # 08:01 in Amsterdam
    timed.runtime.sender.wake()
    message = eventually(lambda: dms_to(timed, "BRAM"), "the DM to Bram")[0]
    assert "waits on you" in message.text
    texts = [
        e["text"]["text"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert {"Approve", "Snooze 1 hour", "Snooze 1 business day"} <= set(texts)


def test_action_cancels_reminders(timed: LocalBot, clock: Clock) -> None:
    parent = new_brief(timed)
    approve(timed, parent, "bram")
    eventually(
        lambda: (
            {(r.stage, r.status) for r in rows(timed)}
            == {("brand", "cancelled"), ("legal", "pending")}
        ),
        "brand reminders cancelled, legal planned",
    )
    clock.now = datetime(2026, 11, 10, 18, 0, tzinfo=NY)
    tick(timed)
    assert all(r.stage == "legal" for r in rows(timed) if r.status == "sent")


def test_three_days_of_downtime_send_each_reminder_once(timed: LocalBot, clock: Clock) -> None:
    parent = new_brief(timed)
    clock.now = datetime(2026, 11, 13, 12, 0, tzinfo=NY)  # Friday: both are long overdue
    assert tick(timed) == 2
    assert tick(timed) == 0
    sent = [(r.kind, r.status) for r in rows(timed)]
    assert sent.count(("reminder", "sent")) == 1 and sent.count(("escalation", "sent")) == 1
    repeat = [r for r in rows(timed) if r.kind == "repeat"]
    assert len(repeat) == 1 and repeat[0].status == "pending"  # one next repeat, planned from now
    assert repeat[0].due_at.astimezone(NY) == datetime(2026, 11, 13, 16, 0, tzinfo=NY)
    escalated = timed.slack.wait_for_message(lambda m: m.channel == "C03ESC")
    assert "breached" in escalated.text and "S03OPS" in escalated.text
    notes = [
        m
        for m in timed.emulator.thread("C01MKTG", parent.ts)
        if "SLA" in m.text or "Reminder" in m.text
    ]
    assert (
        len(
            eventually(
                lambda: (
                    notes
                    or [
                        m
                        for m in timed.emulator.thread("C01MKTG", parent.ts)
                        if "SLA" in m.text or "Reminder" in m.text
                    ]
                ),
                "notes",
            )
        )
        >= 1
    )


def test_two_instances_send_each_reminder_once(timed: LocalBot, clock: Clock, db: Database) -> None:
    new_brief(timed)
    clock.now = datetime(2026, 11, 10, 18, 0, tzinfo=NY)
    other = Database(db.url)  # a second instance's connection pool
    runtime = timed.runtime
    import threading

    counts: list[int] = []
    threads = [
        threading.Thread(
            target=lambda d=d: counts.append(
                reminders.tick(d, runtime.policy, runtime.directory, clock())
            )
        )
        for d in (runtime.db, other)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 2  # the reminder and the escalation, each claimed by one instance
    assert [r.status for r in rows(timed) if r.kind != "repeat"] == ["sent", "sent"]
    other.dispose()


def test_snooze_pushes_the_next_reminder(timed: LocalBot, clock: Clock) -> None:
    new_brief(timed)
    clock.now = datetime(2026, 11, 10, 13, 16, tzinfo=NY)
    with timed.runtime.db.transaction() as session:
        until = reminders.snooze(
            session, timed.runtime.policy, brief_id=1, option="1bd", now=clock()
        )
    assert until == datetime(2026, 11, 12, 13, 16, tzinfo=NY)  # the 11th is Veterans Day
    assert tick(timed) == 0
    assert all(r.due_at >= until for r in rows(timed) if r.status == "pending")


def test_snooze_button_in_the_dm(timed: LocalBot, clock: Clock) -> None:
    new_brief(timed)
    clock.now = datetime(2026, 11, 10, 10, 0, tzinfo=NY)
    with timed.runtime.db.transaction() as session:  # a reminder due now, during Bram's day
        reminder = session.scalars(select(Reminder).where(Reminder.kind == "reminder")).one()
        reminder.due_at = clock.now
    assert tick(timed) == 1
    dm = eventually(lambda: dms_to(timed, "BRAM"), "the DM to Bram")[0]
    timed.slack.click("Snooze 1 hour", as_user="bram", message=dm)
    answer = timed.slack.wait_for_message(lambda m: m.ephemeral_to == "U02BRAM", ephemeral=True)
    assert "Snoozed for an hour" in answer.text
    pending = [r for r in rows(timed) if r.status == "pending"]
    assert all(r.due_at >= datetime(2026, 11, 10, 11, 0, tzinfo=NY) for r in pending)


def test_a_reminder_waits_while_a_decision_holds_its_brief(
    timed: LocalBot, clock: Clock, db: Database
) -> None:
    """A decision holds the brief's row from its start (bot.briefs.lock); a reminder due
    meanwhile is left for the next tick instead of writing to the thread under it, so the two
    reach the thread in the order they commit (its outbox ids)."""
    if not db.is_postgres:
        pytest.skip("SQLite has one writer at a time: a tick never runs beside a decision")
    parent = new_brief(timed)
    brief_id = int(parent.text.split("#", 1)[1].split(":", 1)[0])
    clock.now = datetime(2026, 11, 10, 13, 16, tzinfo=NY)  # the reminder is due
    deciding = Database(db.url)  # another instance, in the middle of a decision
    try:
        with deciding.transaction() as session:
            lock.hold(session, brief_id)
            assert tick(timed) == 0  # left for the next tick, not waited for
            assert [r.status for r in rows(timed) if r.kind == "reminder"] == ["pending"]
        assert tick(timed) == 1  # the decision is over (here: nothing changed): sent now
    finally:
        deciding.dispose()
    assert [r.status for r in rows(timed) if r.kind == "reminder"] == ["sent"]
