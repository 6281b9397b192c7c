"""A pipeline in the package policy for tests: four tasks with owners, due dates and
dependencies, switched on in a running bot as an ops admin would (`/mops policy reload`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app.local import LocalBot
from bot.emulator import Message
from bot.pipeline.models import PipelineTask
from tests.support.briefs import approve, new_brief, outbox_drained, wait_stage, wait_state
from tests.support.policies import use_policy
from tests.support.waiting import eventually

TASKS: list[dict[str, Any]] = [
    {
        "name": "copy_draft",
        "label": "Copy draft",
        "owner": "@triage",  # sam and omar take turns
        "due": "5 business days before launch",
        "sla": "2 business days",
    },
    {
        "name": "design_asset",
        "label": "Design asset",
        "owner": "@design-team",  # bram
        "due": "3 business days before launch",
        "depends_on": ["copy_draft"],
    },
    {
        "name": "landing_page",
        "label": "Landing page",
        "owner": "U04OMAR",
        "due": "2 business days before launch",
        "depends_on": ["copy_draft", "design_asset"],
    },
    {
        "name": "email_build",
        "label": "Email build",
        "owner": "@triage",
        "due": "2 business days before launch",
        "depends_on": ["copy_draft"],
        "when": {"channel_mix": ["Email"]},
    },
]


def with_pipeline(local: LocalBot, folder: Path, **settings: Any) -> LocalBot:
    def change(data: dict) -> None:
        data["pipeline"] = {**data.get("pipeline", {}), "tasks": TASKS, **settings}

    return use_policy(local, folder, change)


def approved_brief(local: LocalBot, **fields: str) -> Message:
    parent = new_brief(local, **fields)
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    approve(local, parent, "lena")
    wait_state(local, "approved")
    return parent


def task_rows(local: LocalBot, brief_id: int = 1) -> dict[str, PipelineTask]:
    with local.runtime.db.transaction() as session:
        rows = session.scalars(select(PipelineTask).where(PipelineTask.brief_id == brief_id))
        return {row.name: row for row in rows}


def task_message(
    local: LocalBot, parent: Message, label: str, button: str | None = None
) -> Message:
    """The task's message in the brief's thread as it shows now (with `button`, once it has it)."""

    def found() -> Message | None:
        if not outbox_drained(local):
            return None
        for message in local.slack.thread(parent).replies:
            shown = str(message.blocks)
            if (
                message.text.startswith("Task: ")
                and f"*{label}*" in shown
                and (button is None or f"'{button}'" in shown)
            ):
                return message
        return None

    return eventually(found, f"the task message of {label!r}")
