"""The modal that asks what blocks a task, and reading it back."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.briefs import forms
from bot.slack.actions import MalformedValue, TaskRef, ViewId

REASON_BLOCK = "reason"


def blocked_form(ref: TaskRef, label: str, channel: str | None, thread_ts: str | None) -> dict:
    view = View(
        type="modal",
        callback_id=ViewId.PIPELINE_TASK_BLOCKED,
        title="Task blocked",
        submit="Send",
        close="Back",
        private_metadata=json.dumps(
            {"task": ref.format(), "channel": channel, "thread_ts": thread_ts}
        ),
        blocks=[
            InputBlock(
                block_id=REASON_BLOCK,
                label=f"What blocks {label}?"[:2000],
                hint="Posted in the brief's thread; the requester is told, and the launch "
                "waits until the task is done.",
                element=PlainTextInputElement(
                    action_id=forms.ELEMENT_ID, multiline=True, min_length=1, max_length=1000
                ),
            )
        ],
    )
    return view.to_dict()


def blocked_submitted(view: dict) -> tuple[TaskRef | None, str, str | None, str | None]:
    """The task (None when the form's metadata is not one of ours), the reason, and where the
    Blocked button was clicked (for the answer)."""
    meta = forms.metadata(view)
    try:
        ref: TaskRef | None = TaskRef.parse(meta.get("task"))
    except MalformedValue:
        ref = None
    reason = forms.submitted_values(view).get(REASON_BLOCK) or ""
    channel, thread = meta.get("channel"), meta.get("thread_ts")
    return (
        ref,
        reason,
        channel if isinstance(channel, str) else None,
        thread if isinstance(thread, str) else None,
    )
