"""Channels the bot cannot post in are told, not lost: the outbox's failure hook, the ops admins'
DM, and the check at start-up (see bot.slack.channels).

The ops admins hear of it by DM, not in a channel: the channel they would read it in is often the
escalations channel, the very one refusing the bot, and a DM reaches the people who can fix it
(`/invite @mopsbot`) wherever they are. Once per channel per day: a digest or a reminder wave
into a channel the bot left would otherwise page them for every message.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.core.logs import get_logger
from bot.slack import channels
from bot.slack.models import OutboxMessage
from bot.slack.outbox import enqueue
from bot.tasks.service import enqueue_task

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

REPORT_TASK = "slack.channel_refused"
log = get_logger(__name__)


def watch(runtime: Runtime) -> None:
    """Wire the outbox's failures to the report, and the report's task to the worker."""

    def on_failure(session: Session, row: OutboxMessage, error: str | None) -> None:
        refusal = channels.refusal_of(row, error)
        if refusal is None or not channels.note_refusal(session, refusal, runtime.clock()):
            return
        log.warning(
            "channels.refused", channel=refusal.channel, error=refusal.error, method=row.method
        )
        payload = {"channel": refusal.channel, "error": refusal.error, "method": refusal.method}
        enqueue_task(session, REPORT_TASK, payload, now=runtime.clock())

    def admins(payload: dict[str, Any]) -> list[str]:  # outside any transaction: may call Slack
        return sorted(channels.ops_admin_ids(runtime.policy, runtime.directory.members))

    def tell(session: Session, payload: dict[str, Any], people: list[str]) -> None:
        refusal = channels.Refusal(payload["channel"], payload["error"], payload["method"])
        purposes = channels.policy_channels(runtime.policy).get(refusal.channel, [])
        text = channels.refusal_text(refusal, purposes)
        for user_id in people:
            enqueue(session, "chat.postMessage", {"channel": user_id, "text": text})

    runtime.sender.on_failure = on_failure
    runtime.worker.register_prepared(REPORT_TASK, admins, tell)


def check_in_background(runtime: Runtime) -> threading.Thread:
    """At start: log each channel the policy names that the bot cannot post in (a thread, so
    a slow Slack does not hold up the start)."""

    def run() -> None:
        try:
            results = channels.check(runtime.client, runtime.policy)
        except Exception:
            log.exception("channels.check_failed")
            return
        for result in results:
            if result.can_post is False:
                log.warning(
                    "channels.cannot_post",
                    channel=result.channel,
                    purposes=", ".join(result.purposes),
                    problem=result.problem,
                )
            elif result.can_post is None:
                log.warning("channels.unknown", channel=result.channel, problem=result.problem)
        log.info("channels.checked", count=len(results))

    thread = threading.Thread(target=run, name="channel-check", daemon=True)
    thread.start()
    return thread
