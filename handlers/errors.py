"""What a person is told when a listener could not finish: Bolt's error handler for the app.

A decision that needs to know who is in a user group cannot be checked while Slack does not
answer (`DirectoryUnavailable`): the person is asked to try again in a minute, nothing is done,
and Slack gets a normal answer (a 500 would show "didn't respond" and, for events, redeliver).
A form that Slack no longer lets the bot open (the trigger expired: the delivery came back to
a restarted instance, or took longer than Slack's 3 seconds) is answered with "please try again",
in a normal answer, instead of a stack trace and a 500 that Slack would retry with the same
dead trigger.
A delivery no listener takes (an unknown action id, say) is Bolt's 404, without Bolt's
warning, which quotes the payload.
When the database cannot take the delivery's effects (locked by another process, the disk
full, the server gone: `not_stored`), its transaction rolled back: one log line says why, and
Slack gets a 503, so it retries an event, and a person's click or form shows Slack's error and
can be sent again. A slash command, which Slack never retries, is answered in words instead.
Anything else is logged with its traceback and answered 500, as Bolt does by default.
"""

from __future__ import annotations

import json
from logging import Logger
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk.errors import SlackApiError

from bot.core.logs import get_logger
from bot.slack import replies
from bot.slack.deliveries import not_stored
from bot.slack.directory import DirectoryUnavailable
from handlers.context import first_input, reply_to

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

log = get_logger("mopsbot.requests")

NOT_SAVED = (
    "I couldn't save that just now (my database did not take it), so it may not have been "
    "done. Please try again in a minute."
)
TRY_AGAIN = (
    "I couldn't check with Slack who is in which user group just now, so nothing was done. "
    "Please try again in a minute."
)
FORM_TOO_LATE = "That took too long, so the form couldn't open. Please try again."
EXPIRED_TRIGGER = {"expired_trigger_id", "invalid_trigger_id"}


def listener_error(
    error: Exception, body: dict, context: dict, logger: Logger
) -> BoltResponse | None:
    if isinstance(error, BoltUnhandledRequestError):
        return None  # Bolt's 404; the request's log line says so (Bolt's own would quote it)
    if _expired_trigger(error):
        logger.warning("form not opened (trigger expired): asked %s to try again", _kind(body))
        return _try_again(body, context, FORM_TOO_LATE)
    trouble = not_stored(error)
    if trouble is not None:
        return _not_stored(body, trouble, error)
    if not isinstance(error, DirectoryUnavailable):
        logger.exception(f"Failed to run listener function (error: {error})")
        return None
    logger.warning("directory unavailable: asked %s to try again", _kind(body))
    return _try_again(body, context, TRY_AGAIN)


def _expired_trigger(error: Exception) -> bool:
    return isinstance(error, SlackApiError) and error.response.get("error") in EXPIRED_TRIGGER


def _kind(body: dict) -> str:
    return str(body.get("type") or "command")


def _try_again(body: dict, context: dict, text: str) -> BoltResponse:
    """Nothing was done: the person is told so, and Slack gets a normal answer (a 500 would show
    "didn't respond" and, for events, redeliver)."""
    runtime: Runtime = context["runtime"]
    kind = body.get("type")
    if "command" in body:
        return _command_answer(text)
    if kind == "view_submission":  # keep the modal open with the answer on its first input
        block_id = first_input(body.get("view") or {})
        if block_id is not None:
            return _json({"response_action": "errors", "errors": {block_id: text}})
        return BoltResponse(status=200, body="")
    if kind == "block_actions":  # acked already: tell them in the channel they clicked in
        replies.tell(runtime.db, reply_to(body), text)
    return BoltResponse(status=200, body="")  # an event: answered, nothing for Slack to retry


def _not_stored(body: dict, trouble: str, error: Exception) -> BoltResponse:
    kind = body.get("type") or ("command" if "command" in body else "unknown")
    log.error("delivery.not_stored", kind=kind, reason=trouble, error=type(error).__name__)
    if "command" in body:
        return _command_answer(NOT_SAVED)
    return BoltResponse(status=503, body="")


def _command_answer(text: str) -> BoltResponse:
    """A slash command's listener failed before its ack, so the answer is the ack: words to the
    asker only (Slack never retries a command, so a status code would tell them nothing)."""
    return _json({"response_type": "ephemeral", "text": text})


def _json(answer: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(answer),
        headers={"content-type": "application/json;charset=utf-8"},
    )
