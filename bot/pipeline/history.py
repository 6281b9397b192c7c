"""The pipeline's events of a brief's audit trail in plain words, for its history (`/brief show`):
"finished the task *Copy draft*", not `task_done`. Handed to briefs by bot.app.wiring."""

from __future__ import annotations

from datetime import datetime

from bot.audit.models import AuditEvent
from bot.slack import blocks
from policies.schema import Policy

TASK_WORDS = {
    "task_claimed": "took the task",
    "task_done": "finished the task",
    "task_blocked": "marked blocked the task",
}


def _task_label(policy: Policy, event: AuditEvent) -> str:
    """A task event's task (its name is the event's stage), by the policy's label when it has one."""
    task = policy.pipeline.task(event.stage or "")
    return task.label if task else (event.stage or "").replace("_", " ")


def describe(policy: Policy, event: AuditEvent) -> str | None:
    detail = event.detail or {}
    if event.action in TASK_WORDS:
        return f"{TASK_WORDS[event.action]} *{blocks.escape(_task_label(policy, event))}*"
    if event.action == "task_assigned":
        label = _task_label(policy, event)
        who = blocks.user(str(detail.get("assignee")))
        group = (
            f" (next in turn in {blocks.escape(str(detail['group']))})"
            if detail.get("group")
            else ""
        )
        return f"gave the task *{blocks.escape(label)}* to {who}{group}"
    if event.action == "tasks_created":
        count = len(detail.get("tasks") or [])
        return f"approved: {count} task{'s' if count != 1 else ''} to do before launch"
    if event.action in ("launch_moved", "schedule") and detail.get("launch_at"):
        at = datetime.fromisoformat(str(detail["launch_at"]))
        verb = "moved the launch to" if event.action == "launch_moved" else "set the launch for"
        return f"{verb} {blocks.local_time(at)}"
    if event.action == "launch_waiting":
        count = len(detail.get("blockers") or [])
        return f"launch time came, but it waits on {count} thing{'s' if count != 1 else ''} first"
    if event.action == "launch_ready":
        return "nothing blocks the launch any more: it waits for a *Launch* click"
    if event.action == "launch_cancelled":
        return "cancelled the launch"
    if event.action == "go_live" and detail.get("auto_launch"):
        return "launched it at the time set (by itself: its channel launches without a click)"
    return None
