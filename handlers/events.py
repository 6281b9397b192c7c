"""Mentions of the bot: a pointer to what it does, to the person only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack import replies
from bot.slack.replies import Reply

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

MENTION_ANSWER = "Hi! Try `/brief new` to start a brief or `/mops help` to see what I do."


def mention(event: dict, runtime: Runtime, delivery_key: str | None) -> None:
    replies.tell(
        runtime.db,
        Reply(event["channel"], event.get("user", "")),
        MENTION_ANSWER,
        delivery_key=delivery_key,
        kind="event",
    )
