"""Pipeline tasks in Slack: one message per task in the brief's thread, with Claim / Done /
Blocked, updated in place as the task moves; the plan note posted on approval."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.briefs import messages as brief_messages
from bot.briefs.lock import hold
from bot.briefs.models import Brief
from bot.pipeline.models import PipelineTask, WorkStatus
from bot.slack import blocks
from bot.slack.actions import ActionId, TaskRef
from bot.slack.outbox import channel_of, enqueue, is_queued_or_posted, ts_of
from policies import access
from policies.schema import Policy

STATUS_WORDS = {
    WorkStatus.OPEN: ":white_circle: Not started",
    WorkStatus.CLAIMED: ":large_blue_circle: In progress",
    WorkStatus.BLOCKED: ":no_entry: Blocked",
    WorkStatus.DONE: ":white_check_mark: Done",
    WorkStatus.CANCELLED: ":heavy_multiplication_x: Cancelled with the brief",
}


def owner_words(policy: Policy, task: PipelineTask, mention: bool = True) -> str:
    """Who has it: "@dana (@design-team)", the group when nobody took it yet, or the person."""
    group = access.describe_approvers([task.owner_ref], policy, mention=False)
    if task.assignee_id is None:
        return access.describe_approvers([task.owner_ref], policy, mention=mention)
    person = blocks.user(task.assignee_id)
    return f"{person} ({group})" if task.owner_ref.startswith("@") else person


def status_line(task: PipelineTask) -> str:
    words = STATUS_WORDS[WorkStatus(task.status)]
    if task.status == WorkStatus.BLOCKED and task.blocked_reason:
        words += f": “{blocks.escape(task.blocked_reason)}”"
    if task.status == WorkStatus.DONE and task.done_at is not None:
        words += f" {blocks.local_time(task.done_at)}"
    return words


def task_text(
    policy: Policy, task: PipelineTask, waiting: list[PipelineTask], mention: bool = True
) -> str:
    parts = [f"*{blocks.escape(task.label)}* · {owner_words(policy, task, mention)}"]
    if task.due_at is not None:
        parts.append(f"due {blocks.local_time(task.due_at)}")
    if not task.required:
        parts.append("optional")
    text = " · ".join(parts) + f"\n{status_line(task)}"
    if waiting and task.is_open:
        text += f" · waits on {', '.join(f'*{blocks.escape(t.label)}*' for t in waiting)}"
    return text


def task_blocks(policy: Policy, task: PipelineTask, waiting: list[PipelineTask]) -> list[dict]:
    text = task_text(policy, task, waiting)
    built: list = [blocks.section(text)]
    if task.is_open:
        value = TaskRef(task.id, task.version).format()
        buttons = []
        if task.status != WorkStatus.CLAIMED:
            buttons.append(blocks.button("Claim", ActionId.PIPELINE_TASK_CLAIM, value))
        buttons.append(blocks.button("Done", ActionId.PIPELINE_TASK_DONE, value, style="primary"))
        if task.status != WorkStatus.BLOCKED:
            buttons.append(blocks.button("Blocked", ActionId.PIPELINE_TASK_BLOCKED, value))
        built.append(blocks.actions(buttons, block_id=f"pipeline_task_{task.id}"))
    return blocks.to_dicts(built)


def fallback(task: PipelineTask) -> str:
    return f"Task: {task.label} ({STATUS_WORDS[WorkStatus(task.status)].split(' ', 1)[1]})"


def post(
    session: Session, policy: Policy, brief: Brief, task: PipelineTask, waiting: list[PipelineTask]
) -> None:
    """The task's message in the brief's thread, kept under its key to be updated in place."""
    hold(session, brief.id)  # the thread's writer, before its outbox row: bot.briefs.lock
    enqueue(
        session,
        "chat.postMessage",
        {
            "channel": channel_of(brief.thread_key),
            "thread_ts": ts_of(brief.thread_key),
            "text": fallback(task),
            "blocks": task_blocks(policy, task, waiting),
            "unfurl_links": False,
        },
        ordering_key=brief.thread_key,
        message_key=task.message_key,
    )


def update(
    session: Session, policy: Policy, brief: Brief, task: PipelineTask, waiting: list[PipelineTask]
) -> None:
    key = task.message_key
    hold(session, brief.id)  # the thread's writer, before its outbox row: bot.briefs.lock
    if not is_queued_or_posted(session, key):
        # Not posted yet (the owners job posts it, or a later wave): that post will show the task
        # as it is then. An update queued first would fail with nothing to update, and stall
        # the thread meanwhile (a /brief schedule right after the approval).
        return
    enqueue(
        session,
        "chat.update",
        {
            "channel": channel_of(key),
            "ts": ts_of(key),
            "text": fallback(task),
            "blocks": task_blocks(policy, task, waiting),
        },
        ordering_key=brief.thread_key,
    )


def announce_plan(session: Session, brief: Brief, waves: list[list[str]]) -> None:
    """The tasks the approval created, in the order they can go (a wave's tasks in parallel)."""
    count = sum(len(wave) for wave in waves)
    steps = "\n".join(
        f"{n}. {' · '.join(f'*{blocks.escape(label)}*' for label in wave)}"
        + (" (in parallel)" if len(wave) > 1 else "")
        for n, wave in enumerate(waves, start=1)
    )
    reply(
        session,
        brief,
        f":clipboard: {count} task{'s' if count != 1 else ''} to do before launch, in this "
        f"order:\n{steps}\nEach comes below with its owner; *Claim*, *Done* or *Blocked* it there.",
    )


def reply(session: Session, brief: Brief, text: str) -> None:
    brief_messages.reply(session, brief, text)
