"""A person's own tasks, in words: `/mops tasks` and the App Home. Due times are Slack date
tokens, so each reader sees them on their own clock."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.briefs.models import Brief
from bot.briefs.service import Actor
from bot.pipeline import messages, service
from bot.pipeline.models import PipelineTask, WorkStatus
from bot.slack import blocks
from policies.schema import Policy

SHOWN = 20


def task_line(session: Session, policy: Policy, task: PipelineTask) -> str:
    brief = session.get(Brief, task.brief_id)
    title = blocks.escape(brief.title) if brief is not None else ""
    due = f" · due {blocks.local_time(task.due_at)}" if task.due_at is not None else ""
    waiting = service.open_dependencies(session, task)
    status = messages.status_line(task)
    if waiting and task.status != WorkStatus.BLOCKED:
        status += f" · waits on {', '.join(f'*{blocks.escape(t.label)}*' for t in waiting)}"
    mine = "" if task.assignee_id else f" · for {messages.owner_words(policy, task, False)}"
    return f"• *{blocks.escape(task.label)}* for brief #{task.brief_id} {title}{due}{mine}\n   {status}"


def tasks_text(session: Session, policy: Policy, actor: Actor) -> str:
    found = service.tasks_for_person(session, actor, policy, limit=SHOWN + 1)
    if not found:
        return "You have no open tasks. Tasks come with approved briefs, in their threads."
    lines = [f"*Your open tasks* ({len(found) if len(found) <= SHOWN else f'{SHOWN}+'})"]
    lines += [task_line(session, policy, task) for task in found[:SHOWN]]
    lines.append("Claim, finish or mark one blocked with the buttons in its brief's thread.")
    return "\n".join(lines)
