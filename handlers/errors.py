"""What a person is told when a listener could not finish: Bolt's error handler for the app.

A decision that needs to know who is in a user group cannot be checked while Slack does not
answer (`DirectoryUnavailable`): the person is asked to try again in a minute, nothing is done,
and Slack gets a normal answer (a 500 would show "didn't respond" and, for events, redeliver).
Anything else is logged with its traceback and answered 500, as Bolt does by default.
"""

from __future__ import annotations

import json
from logging import Logger
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse

from bot.slack import replies
from bot.slack.directory import DirectoryUnavailable
from handlers.context import reply_to

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

TRY_AGAIN = (
    "I couldn't check with Slack who is in which user group just now, so nothing was done. "
    "Please try again in a minute."
)


def listener_error(
    error: Exception, body: dict, context: dict, logger: Logger
) -> BoltResponse | None:
    if not isinstance(error, DirectoryUnavailable):
        logger.exception(f"Failed to run listener function (error: {error})")
        return None
    runtime: Runtime = context["runtime"]
    kind = body.get("type")
    logger.warning("directory unavailable: asked %s to try again", kind or "command")
    if "command" in body:  # not acked yet: the answer is the ack
        return _json({"response_type": "ephemeral", "text": TRY_AGAIN})
    if kind == "view_submission":  # keep the modal open with the answer on its first input
        block_id = _first_input(body.get("view") or {})
        if block_id is not None:
            return _json({"response_action": "errors", "errors": {block_id: TRY_AGAIN}})
        return BoltResponse(status=200, body="")
    if kind == "block_actions":  # acked already: tell them in the channel they clicked in
        replies.tell(runtime.db, reply_to(body), TRY_AGAIN)
    return BoltResponse(status=200, body="")  # an event: the next one finds the directory


def _first_input(view: dict[str, Any]) -> str | None:
    return next(
        (b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"), None
    )


def _json(answer: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(answer),
        headers={"content-type": "application/json;charset=utf-8"},
    )
