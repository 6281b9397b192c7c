"""From approval to tasks: the brief's template creates its tasks in the thread, with owners
taken in turns, due dates counted back from the launch date, in dependency order."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app.local import LocalBot
from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.pipeline import launch
from bot.pipeline.models import PipelineTask
from tests.support.briefs import audit_actions
from tests.support.pipeline import approved_brief, task_message, task_rows, with_pipeline


def test_approval_creates_the_tasks_with_owners_due_dates_and_order(
    local: LocalBot, tmp_path: Path
) -> None:
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Email", launch_date="2027-03-01")
    plan = local.slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "to do before launch" in m.text
    )
    assert "1. *Copy draft*" in plan.text
    assert "2. *Design asset* · *Email build* (in parallel)" in plan.text
    assert "3. *Landing page*" in plan.text
    copy = task_message(local, parent, "Copy draft", "Claim")
    assert "<@U04OMAR> (*@triage*)" in str(copy.blocks)  # omar's turn first (ids in order)
    task_message(local, parent, "Landing page")
    rows = task_rows(local)
    assert set(rows) == {"copy_draft", "design_asset", "landing_page", "email_build"}
    assert rows["copy_draft"].assignee_id == "U04OMAR"
    assert rows["email_build"].assignee_id == "U05SAM"  # the next turn of @triage
    assert rows["design_asset"].assignee_id == "U02BRAM"
    assert rows["landing_page"].assignee_id == "U04OMAR"  # named in the policy
    # Monday 1 March 2027: five business days back is Monday 22 February, at the day's close.
    due = rows["copy_draft"].due_at
    assert due is not None
    local_due = due.astimezone(ZoneInfo("America/New_York"))
    assert (local_due.date(), local_due.hour, local_due.minute) == (date(2027, 2, 22), 17, 30)
    assert rows["copy_draft"].ready_at is not None  # nothing before it
    assert rows["design_asset"].ready_at is None  # waits for the copy
    assert ("tasks_created", "approved", 1) in audit_actions(local)


def test_turns_skip_someone_away(local: LocalBot, tmp_path: Path) -> None:
    """Omar's turn comes first in @triage, but he is out of office: Sam takes both turns."""
    with_pipeline(local, tmp_path)
    local.slack.command("/mops away until 2099-12-31", as_user="omar")
    assert "away" in local.slack.last_ephemeral("omar").text
    parent = approved_brief(local, channel_mix="Email", launch_date="2099-03-02")
    task_message(local, parent, "Landing page")
    rows = task_rows(local)
    assert rows["copy_draft"].assignee_id == "U05SAM"
    assert rows["email_build"].assignee_id == "U05SAM"
    assert rows["landing_page"].assignee_id == "U04OMAR"  # named in the policy: his still
    # Whom the bot gave a group's task to is in the trail and the brief's history; a named
    # owner's task was nobody's turn to give.
    with local.runtime.db.read() as session:
        given = {
            e.stage: (e.detail or {}).get("assignee")
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "task_assigned"))
        }
    group_tasks = {name for name, row in rows.items() if row.owner_ref.startswith("@")}
    assert given == {name: rows[name].assignee_id for name in group_tasks}, given
    assert "landing_page" not in given
    local.slack.command("/brief show 1", as_user="rita")
    history = local.slack.wait_for_message(
        lambda m: m.ephemeral_to == "U01RITA" and "History" in m.text, ephemeral=True
    ).text
    assert "gave the task *Copy draft* to <@U05SAM> (next in turn in @triage)" in history, history
    assert "gave the task *Landing page*" not in history


def test_tasks_a_brief_does_not_need_are_not_created(local: LocalBot, tmp_path: Path) -> None:
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Web")
    task_message(local, parent, "Landing page")
    assert "email_build" not in task_rows(local)


def test_launch_blockers_name_each_open_task_and_who_has_it(
    local: LocalBot, tmp_path: Path
) -> None:
    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Web")
    task_message(local, parent, "Landing page")
    runtime = local.runtime
    with runtime.db.transaction() as session:
        brief = session.get(Brief, 1)
        assert brief is not None
        found = launch.blockers(session, runtime.policy, brief, runtime.clock())
    assert [b.kind for b in found] == ["task", "task", "task"]
    assert found[0].text == "*Copy draft* (<@U04OMAR>) is not done"
    assert found[2].text == (
        "*Landing page* (<@U04OMAR>) is not done (it waits on *Copy draft*, *Design asset*)"
    )
    assert found[1].owners == ("U02BRAM",)


def test_a_task_message_not_queued_yet_is_not_updated_its_post_shows_it_as_it_is(
    local: LocalBot, tmp_path: Path
) -> None:
    """A change to a task before its message is queued (a /brief schedule right after the
    approval, before the owners job posted) queues no update: it would fail with nothing to
    update and hold up the thread. Once the message is queued or posted, changes update it."""
    from sqlalchemy import func, select

    from bot.pipeline import messages
    from bot.slack.models import OutboxMessage

    with_pipeline(local, tmp_path)
    parent = approved_brief(local, channel_mix="Web")
    task_message(local, parent, "Copy draft")  # the owners job has posted every task
    policy = local.runtime.policy
    with local.runtime.db.transaction() as session:
        brief = session.get(Brief, 1)
        assert brief is not None
        posted = session.scalars(
            select(PipelineTask).where(PipelineTask.name == "copy_draft")
        ).one()
        unposted = PipelineTask(
            brief_id=1,
            round=posted.round,
            name="late_task",
            label="Late task",
            owner_ref=posted.owner_ref,
            policy_version=posted.policy_version,
        )
        session.add(unposted)
        session.flush()
        updates = (
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.method == "chat.update")
        )
        before = session.scalar(updates)
        messages.update(session, policy, brief, unposted, [])
        assert session.scalar(updates) == before  # nothing to update yet
        messages.update(session, policy, brief, posted, [])
        assert session.scalar(updates) == before + 1
        session.rollback()
