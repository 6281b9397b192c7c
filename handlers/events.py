"""Messages in the channels the bot is in, and mentions of it.

A file shared in a thread (subtype file_share) is a draft when the thread is a brief's, else
perhaps an experiment's results; a link posted in a brief's thread is the brief's asset; every
other message is intake's to judge. Mentions get what the bot does, to the person only, wherever
they mention it.

In an intake channel a new message that mentions the bot and makes a request ("@mopsbot we need
a banner for the launch") is a request like any other there, answered in its thread; a mention
that asks for help, or one in a thread, gets the help.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import BoltContext

from bot.intake.service import is_help_mention
from bot.slack import replies
from bot.slack.replies import Reply
from handlers import experiments, intake, readiness
from handlers.mops import HELP_TEXT

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


def message(event: dict, context: BoltContext, runtime: Runtime, delivery_key: str | None) -> None:
    if readiness.message_deleted(event, runtime):
        return
    if event.get("subtype") == "file_share":
        if not readiness.files_shared(event, runtime, delivery_key):
            experiments.file_shared(event, runtime, delivery_key)
    elif not readiness.links_posted(event, runtime, delivery_key):
        intake.message(event, context, runtime, delivery_key)


def mention_answer(runtime: Runtime) -> str:
    channels = " ".join(f"<#{channel}>" for channel in runtime.policy.intake.channels)
    where = f" Post a request in {channels} and I'll pass it to the right team." if channels else ""
    return f"Hi! Here is what I do.{where}\n{HELP_TEXT}"


def mention(event: dict, context: BoltContext, runtime: Runtime, delivery_key: str | None) -> None:
    channel = event.get("channel")
    thread_ts = event.get("thread_ts")
    top_level = not thread_ts or thread_ts == event.get("ts")
    request = (
        channel in runtime.policy.intake.channels
        and top_level
        and not is_help_mention(event.get("text") or "", context.bot_user_id)
    )
    if request:
        return  # a request that mentions the bot: the intake flow answers it in its thread
    replies.tell(
        runtime.db,
        Reply(channel, event.get("user", ""), thread_ts),
        mention_answer(runtime),
        delivery_key=delivery_key,
        kind="event",
    )
