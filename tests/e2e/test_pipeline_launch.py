"""Tasks worked from their messages, and a launch that waits for them: Claim / Done / Blocked
(with a reason), `/mops tasks`, `/brief schedule ID DATE TIME`, and the launch going live only
when nothing blocks it (a Launch click, or by itself for an auto-launch channel)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from bot.app.local import LocalBot
from bot.briefs import lock
from bot.briefs import messages as brief_messages
from bot.briefs.models import Brief
from bot.emulator import Message
from bot.pipeline import launches
from bot.pipeline import reminders as task_reminders
from bot.pipeline.models import Launch
from bot.slack.models import OutboxMessage
from bot.storage.database import Database
from tests.support.briefs import audit_actions, brief_row, outbox_drained, wait_state
from tests.support.clock import Clock
from tests.support.pipeline import approved_brief, task_message, task_rows, with_pipeline
from tests.support.waiting import eventually

NEW_YORK = ZoneInfo("America/New_York")


def ephemeral(local: LocalBot, user: str, words: str) -> Message:
    return local.slack.wait_for_message(
        lambda m: m.ephemeral_to == user and words in m.text, ephemeral=True
    )


def finish(local: LocalBot, parent: Message, label: str, as_user: str) -> None:
    local.slack.click("Done", as_user=as_user, message=task_message(local, parent, label, "Done"))
    eventually(lambda: task_rows(local)[_name(label)].status == "done", f"{label} done")


def _name(label: str) -> str:
    return label.lower().replace(" ", "_")


def block(local: LocalBot, parent: Message, label: str, as_user: str, reason: str) -> None:
    slack = local.slack
    slack.click("Blocked", as_user=as_user, message=task_message(local, parent, label, "Blocked"))
    assert slack.view_of(as_user) is not None, "the form asking what blocks it"
    result = slack.submit({"reason": reason}, as_user=as_user)
    assert result.status == 200 and not result.errors, result.errors


def tick(local: LocalBot) -> int:
    runtime = local.runtime
    return launches.tick(runtime.db, runtime.policy, runtime.clock())


def launch_row(local: LocalBot) -> Launch:
    with local.runtime.db.transaction() as session:
        row = session.scalar(select(Launch))
        assert row is not None
        return row


def thread_texts(local: LocalBot, parent: Message) -> list[str]:
    eventually(lambda: outbox_drained(local), "the outbox drained")
    return [m.text for m in local.slack.thread(parent).replies]


def test_a_launch_waits_for_a_blocked_task_and_goes_when_it_is_done(
    timed: LocalBot, clock: Clock, tmp_path: Path
) -> None:
    local, slack = timed, timed.slack
    clock.now = datetime(2027, 2, 1, 10, 0, tzinfo=NEW_YORK)
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Email", launch_date="2027-03-01")
    slack.command("/brief schedule 1 2027-03-01 09:00", as_user="rita")
    answer = ephemeral(local, "U01RITA", "launches")
    assert "launches on Mon 1 Mar 2027 at 09:00 (America/New_York)" in answer.text
    assert "(4 things do now)" in answer.text
    assert wait_state(local, "scheduled").state == "scheduled"
    finish(local, parent, "Copy draft", "omar")
    finish(local, parent, "Design asset", "bram")
    finish(local, parent, "Email build", "sam")
    block(local, parent, "Landing page", "omar", "Waiting for the legal footer")
    eventually(lambda: task_rows(local)["landing_page"].status == "blocked", "blocked")

    clock.now = datetime(2027, 3, 1, 9, 0, tzinfo=NEW_YORK)
    assert tick(local) == 1
    assert launch_row(local).status == "waiting"
    told = [t for t in thread_texts(local, parent) if "can't go yet" in t]
    assert len(told) == 1
    assert "• *Landing page* (<@U04OMAR>) is blocked: “Waiting for the legal footer”" in told[0]
    assert "<@U01RITA>" in told[0] and "<@U04OMAR>" in told[0]
    clock.advance(minutes=1)
    tick(local)
    tick(local)
    assert len([t for t in thread_texts(local, parent) if "can't go yet" in t]) == 1  # once
    assert brief_row(local).state == "scheduled"

    # Claim takes it up again; Done clears the last blocker and the launch asks for its click.
    slack.click(
        "Claim", as_user="omar", message=task_message(local, parent, "Landing page", "Claim")
    )
    finish(local, parent, "Landing page", "omar")
    prompt = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "ready to launch" in m.text
    )
    assert launch_row(local).status == "confirming"
    slack.click("Launch", as_user="sam", message=prompt)  # not the requester nor an ops admin
    ephemeral(local, "U05SAM", "can do that")
    assert brief_row(local).state == "scheduled"
    slack.click("Launch", as_user="rita", message=prompt)
    assert wait_state(local, "live").state == "live"
    assert launch_row(local).status == "launched"
    actions = [action for action, _, _ in audit_actions(local)]
    assert actions[-7:] == [
        "task_done",
        "task_blocked",
        "launch_waiting",
        "task_claimed",
        "task_done",
        "launch_ready",  # the prompt asked for the click
        "go_live",
    ]
    closed = eventually(
        lambda: (
            "launched brief #1"
            in (m := slack.emulator.message(prompt.channel, prompt.ts) or prompt).text
            and m
        ),
        "the prompt closed",
    )
    assert "Launch" not in str(closed.blocks)
    local.driver.click(prompt, "Launch", "rita")  # the buttons as they were: a second click
    ephemeral(local, "U01RITA", "This launch prompt no longer applies")
    # The figures count the tasks and split the wait in business hours (New York, 09:00-17:30,
    # weekdays, Presidents' Day off): approvals (all at once here), tasks (from approval on
    # Mon 1 Feb 10:00 to the last one done on Mon 1 Mar 09:01: 7.5 + 18 days x 8.5 = 160.5 h),
    # and no asset or checklist waits.
    slack.command("/mops stats", as_user="omar")
    stats = ephemeral(local, "U04OMAR", "*Tasks:*")
    assert "*Tasks:* 4 done · 0 open (0 blocked, 0 past due)" in stats.text
    assert (
        "*Waiting before launch* (1 launched): none on approvals, 161 business hours on tasks, "
        "none on asset fixes, none on checklist ticks (medians)"
    ) in stats.text


def test_an_auto_launch_channel_goes_live_by_itself_when_ready(
    timed: LocalBot, clock: Clock, tmp_path: Path
) -> None:
    local, slack = timed, timed.slack
    clock.now = datetime(2027, 2, 1, 10, 0, tzinfo=NEW_YORK)
    with_pipeline(local, tmp_path)  # auto_launch: [Web] in the package policy
    parent = approved_brief(local, channel_mix="Web", launch_date="2027-03-01")
    slack.command("/brief schedule 1 2027-02-26 14:30", as_user="omar")  # an ops admin, in LA
    assert (
        "launches on Fri 26 Feb 2027 at 14:30 (America/Los_Angeles)"
        in ephemeral(local, "U04OMAR", "launches").text
    )
    finish(local, parent, "Copy draft", "omar")
    finish(local, parent, "Design asset", "bram")
    finish(local, parent, "Landing page", "omar")
    clock.now = datetime(2027, 2, 26, 14, 29, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert tick(local) == 0  # not yet
    clock.advance(minutes=1)
    assert tick(local) == 1
    assert wait_state(local, "live").state == "live"
    assert any("launched by itself" in t for t in thread_texts(local, parent))


def test_task_buttons_check_who_and_what_comes_first(local: LocalBot, tmp_path: Path) -> None:
    slack = local.slack
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Web")
    design = task_message(local, parent, "Design asset", "Done")
    slack.click("Done", as_user="bram", message=design)
    ephemeral(local, "U02BRAM", "waits on *Copy draft*, which is not done yet")
    slack.click("Claim", as_user="rita", message=design)  # not in @design-team
    ephemeral(local, "U01RITA", "you can't change it")
    slack.click("Blocked", as_user="rita", message=design)
    ephemeral(local, "U01RITA", "you can't change it")
    assert slack.view_of("rita") is None  # refused before any form opened
    slack.click("Blocked", as_user="bram", message=design)
    assert slack.submit({"reason": "   "}, as_user="bram").errors  # a reason is required
    assert task_rows(local)["design_asset"].status == "open"


def test_schedule_with_a_bad_or_past_time_gets_the_usage_line(
    timed: LocalBot, clock: Clock, tmp_path: Path
) -> None:
    local, slack = timed, timed.slack
    clock.now = datetime(2027, 2, 1, 10, 0, tzinfo=NEW_YORK)
    with_pipeline(local, tmp_path)
    approved_brief(local)
    for line, words in [
        ("/brief schedule 1 2027-13-45 09:00", "is not a date on the calendar"),
        ("/brief schedule 1 tomorrow", "I can't read `tomorrow`"),
        ("/brief schedule 1 2027-03-01 25:00", "hours go 0 to 23"),
        ("/brief schedule 1 2027-01-04 09:00", "That time has passed"),
        ("/brief schedule x 2027-03-01 09:00", "Usage: `/brief schedule ID DATE TIME`"),
    ]:
        slack.command(line, as_user="rita")
        ephemeral(local, "U01RITA", words)
    slack.command("/brief schedule 1 2027-03-01 09:00", as_user="sam")
    ephemeral(local, "U05SAM", "can do that")
    assert brief_row(local).state == "approved"


def test_live_is_refused_while_a_task_is_open_and_mops_tasks_lists_yours(
    local: LocalBot, tmp_path: Path
) -> None:
    slack = local.slack
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Web")
    task_message(local, parent, "Landing page")
    slack.command("/brief schedule 1", as_user="rita")
    wait_state(local, "scheduled")
    slack.command("/brief live 1", as_user="rita")
    refusal = ephemeral(local, "U01RITA", "can't go live yet")
    assert "• *Copy draft* (<@U04OMAR>) is not done" in refusal.text
    assert brief_row(local).state == "scheduled"
    slack.command("/mops tasks", as_user="omar")
    mine = ephemeral(local, "U04OMAR", "Your open tasks")
    assert "*Copy draft* for brief #1" in mine.text and "*Landing page* for brief #1" in mine.text
    assert "*Design asset* for brief" not in mine.text  # bram's
    slack.command("/mops tasks", as_user="rita")
    ephemeral(local, "U01RITA", "You have no open tasks")


def test_the_home_shows_your_tasks_with_due_dates(
    timed: LocalBot, clock: Clock, tmp_path: Path
) -> None:
    local, slack = timed, timed.slack
    clock.now = datetime(2027, 2, 1, 10, 0, tzinfo=NEW_YORK)
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Web", launch_date="2027-03-01")
    task_message(local, parent, "Landing page")
    before = slack.home_of("omar")
    slack.open_home(as_user="omar")
    home = eventually(
        lambda: (v := slack.home_of("omar")) is not before and outbox_drained(local) and v,
        "omar's home",
    )
    shown = str(home)
    assert "*Your tasks (2)*" in shown
    # Due at the close of business in New York on 22 February, as a date token each reader sees
    # on their own clock (Omar is in Los Angeles).
    due = int(datetime(2027, 2, 22, 17, 30, tzinfo=NEW_YORK).timestamp())
    assert "*Copy draft* for brief #1" in shown and f"<!date^{due}^" in shown


def test_a_task_is_reminded_then_escalated_once_each(
    timed: LocalBot, clock: Clock, tmp_path: Path
) -> None:
    local, slack = timed, timed.slack
    clock.now = datetime(2027, 2, 1, 10, 0, tzinfo=NEW_YORK)  # a Monday
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Web", launch_date="2027-03-01")
    task_message(local, parent, "Copy draft")
    runtime = local.runtime

    def tick() -> int:
        return task_reminders.tick(runtime.db, runtime.policy, runtime.directory, runtime.clock())

    # Copy draft's SLA is 2 business days (17 business hours) from Monday 10:00, earlier than its
    # due date (22 February): the reminder at 75% is Tuesday 14:15, the escalation Wednesday 10:00.
    clock.now = datetime(2027, 2, 2, 14, 14, tzinfo=NEW_YORK)
    assert tick() == 0
    clock.now = datetime(2027, 2, 2, 14, 15, tzinfo=NEW_YORK)
    assert tick() == 1
    assert tick() == 0  # never the same reminder twice
    dm = slack.wait_for_message(lambda m: m.channel == "D04OMAR" and "Reminder" in m.text)
    assert "*Copy draft* for brief #1" in dm.text
    clock.now = datetime(2027, 2, 3, 10, 0, tzinfo=NEW_YORK)
    assert tick() == 1
    escalation = slack.wait_for_message(lambda m: "is late" in m.text, channel="mops-escalations")
    assert "*Copy draft* (<@U04OMAR>) for brief #1" in escalation.text
    assert tick() == 0
    clock.now = datetime(2027, 2, 3, 12, 0, tzinfo=NEW_YORK)  # 09:00 for Omar: his DMs go out
    finish(local, parent, "Copy draft", "omar")
    clock.now = datetime(2027, 2, 10, 10, 0, tzinfo=NEW_YORK)
    assert tick() == 1  # the planned repeat, cancelled now the task is done
    eventually(lambda: outbox_drained(local), "the outbox drained")
    assert len([m for m in slack.messages("D04OMAR") if "is late" in m.text]) == 1


def test_a_done_click_that_loses_to_the_launch_tick_says_so_and_works_when_pressed_again(
    timed: LocalBot, clock: Clock, tmp_path: Path
) -> None:
    """The last Done lets a waiting launch go in the click's own transaction; when the launch
    tick changes the same launch row meanwhile, the click's update finds a newer version. The
    person is told that, not that someone changed the task (nobody did)."""
    local, slack = timed, timed.slack
    clock.now = datetime(2027, 2, 1, 10, 0, tzinfo=NEW_YORK)
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Email", launch_date="2027-03-01")
    slack.command("/brief schedule 1 2027-03-01 09:00", as_user="rita")
    ephemeral(local, "U01RITA", "launches")
    for label, person in (("Copy draft", "omar"), ("Design asset", "bram"), ("Email build", "sam")):
        finish(local, parent, label, person)
    clock.now = datetime(2027, 3, 1, 9, 0, tzinfo=NEW_YORK)
    assert tick(local) == 1 and launch_row(local).status == "waiting"

    fired: list[bool] = []

    def the_tick_writes_first(session: Session, *_: object) -> None:
        """The tick's committed update, seen by the click just before it writes the launch."""
        if not fired and any(isinstance(row, Launch) for row in session.dirty):
            fired.append(True)
            session.connection().execute(
                update(Launch).values(version=Launch.version + 1, updated_at=clock.now)
            )

    event.listen(Session, "before_flush", the_tick_writes_first)
    try:
        done = task_message(local, parent, "Landing page", "Done")
        slack.click("Done", as_user="omar", message=done)
        told = ephemeral(local, "U04OMAR", "nothing was done")
    finally:
        event.remove(Session, "before_flush", the_tick_writes_first)
    assert told.text.startswith("This brief's launch was being checked at that same moment")
    assert "changed this task" not in told.text
    assert task_rows(local)["landing_page"].status != "done"  # nothing was saved

    finish(local, parent, "Landing page", "omar")
    slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "ready to launch" in m.text)
    assert launch_row(local).status == "confirming"


def test_the_launch_tick_leaves_a_brief_a_decision_holds(
    timed: LocalBot, clock: Clock, tmp_path: Path, db: Database
) -> None:
    """A flow writing to the brief's thread holds its row (bot.briefs.lock); the launch tick
    leaves such a brief for its next round instead of writing under it (or waiting, which could
    deadlock on the launch row the tick holds), so the thread reads in commit order."""
    if not db.is_postgres:
        pytest.skip("SQLite has one writer at a time: a tick never runs beside a decision")
    local, slack = timed, timed.slack
    clock.now = datetime(2027, 2, 1, 10, 0, tzinfo=NEW_YORK)
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Email", launch_date="2027-03-01")
    task_message(local, parent, "Landing page")  # posted before /brief schedule updates it
    slack.command("/brief schedule 1 2027-03-01 09:00", as_user="rita")
    ephemeral(local, "U01RITA", "launches")
    clock.now = datetime(2027, 3, 1, 9, 0, tzinfo=NEW_YORK)  # due, its tasks still open
    deciding = Database(db.url)  # another instance, in the middle of a decision on the brief
    try:
        with ThreadPoolExecutor(1) as pool, deciding.transaction() as session:
            lock.hold(session, 1)
            ticking = pool.submit(tick, local)
            assert ticking.result(timeout=10) == 0  # left for the next tick, not waited for
            assert launch_row(local).status == "scheduled"
        assert tick(local) == 1  # the decision is over (here: nothing changed): looked at now
    finally:
        deciding.dispose()
    assert launch_row(local).status == "waiting"
    assert len([t for t in thread_texts(local, parent) if "can't go yet" in t]) == 1


def test_a_done_click_waits_while_a_decision_holds_its_brief(
    timed: LocalBot, clock: Clock, tmp_path: Path, db: Database
) -> None:
    """A task's Done click holds the brief's row before it writes (bot.briefs.lock): while a
    decision holds it the click waits, and its thread rows get ids after the decision's, which
    committed first. (Before, the click took its outbox ids, then waited on the brief's row for
    its audit event: the decision's reply had the later id but was sent first, and the sender,
    keeping id order, had the thread read out of the order things happened.)"""
    if not db.is_postgres:
        pytest.skip("SQLite has one writer at a time: a click never runs beside a decision")
    local = timed
    clock.now = datetime(2027, 2, 1, 10, 0, tzinfo=NEW_YORK)
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Email", launch_date="2027-03-01")
    button = task_message(local, parent, "Copy draft", "Done")
    thread = select(OutboxMessage.id).where(OutboxMessage.ordering_key == "brief:1")
    with local.runtime.db.transaction() as session:
        before = set(session.scalars(thread))
    deciding = Database(db.url)  # another instance, in the middle of a decision on the brief
    clicking = threading.Thread(
        target=lambda: local.slack.click("Done", as_user="omar", message=button)
    )
    try:
        with deciding.transaction() as session:
            lock.hold(session, 1)
            clicking.start()
            time.sleep(1.5)  # the click is under way by now, waiting for the brief
            assert task_rows(local)["copy_draft"].status != "done"
            brief = session.get(Brief, 1)
            assert brief is not None
            brief_messages.reply(session, brief, "The decision, said in the thread.")
            session.flush()
            decision = max(session.scalars(thread))
        clicking.join(timeout=30)
        eventually(lambda: task_rows(local)["copy_draft"].status == "done", "done once free")
    finally:
        clicking.join(timeout=30)
        deciding.dispose()
    with local.runtime.db.transaction() as session:
        clicked = set(session.scalars(thread)) - before - {decision}
    assert clicked, "the click wrote to the thread"
    assert min(clicked) > decision, "the click's rows come after the decision's in the thread"
