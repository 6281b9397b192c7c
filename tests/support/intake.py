"""Intake conversation helpers: the requests the bot stored, and waiting for its thread replies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from bot.app.local import LocalBot
from bot.emulator.conversation import Slack
from bot.emulator.records import Message
from bot.intake.models import IntakeRequest
from tests.support.waiting import eventually

TAXONOMY = Path(__file__).resolve().parents[2] / "policies" / "intake.yaml"


def requests(local: LocalBot) -> list[IntakeRequest]:
    with local.runtime.db.transaction() as session:
        return list(session.scalars(select(IntakeRequest).order_by(IntakeRequest.id)))


def bot_reply(slack: Slack, parent: Message, contains: str) -> Message:
    """The first reply in `parent`'s thread whose text contains `contains` (the model is slow)."""
    return eventually(
        lambda: next((m for m in slack.thread(parent).replies if contains in m.text), None),
        f"a reply containing {contains!r}",
        timeout=30,
    )


def current(slack: Slack, message: Message) -> Message:
    """The message as it is now (after the bot's updates)."""
    found = slack.emulator.message(message.channel, message.ts)
    assert found is not None
    return found


def buttons(message: Message) -> list[str]:
    return [
        (element.get("text") or {}).get("text", "")
        for block in message.blocks
        if block.get("type") == "actions"
        for element in block.get("elements") or []
    ]


def updated(slack: Slack, message: Message, check: Callable[[Message], bool], what: str) -> Message:
    """`message` once the bot's updates make `check` true."""

    def now() -> Message | None:
        latest = current(slack, message)
        return latest if check(latest) else None

    return eventually(now, what)


def ephemeral(slack: Slack, user: str, contains: str) -> Message:
    """The latest message shown only to `user` that contains `contains` (waited for)."""
    return eventually(
        lambda: next((m for m in reversed(slack.ephemerals_for(user)) if contains in m.text), None),
        f"an ephemeral for {user} containing {contains!r}",
    )
