"""The Bolt app: built around a runtime, with every listener registered once by
`handlers.register_all`, and one log line per handled delivery.

Listeners run before the response (`process_before_response=True`): a delivery's fast effects
commit before Slack gets its ack, so a process killed right after acking has lost nothing.
"""

from __future__ import annotations

import logging
import time

from slack_bolt import App, BoltRequest, BoltResponse

from bot.app.config import Settings
from bot.app.runtime import Runtime
from bot.core import metrics
from bot.core.clock import Clock, utcnow
from bot.core.logs import get_logger
from handlers import register_all

log = get_logger("mopsbot.requests")


class MopsApp(App):
    """Bolt's App with one log line per handled delivery, in Socket Mode and over HTTP alike."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        body = req.body if isinstance(req.body, dict) else {}
        kind = kind_of(body)
        retry = bool(req.headers.get("x-slack-retry-num"))
        with metrics.delivery(kind, retry=retry) as note:
            response = super().dispatch(req)
        seconds = time.perf_counter() - started
        metrics.delivered(kind, response.status, seconds, note)
        log.info(
            "request",
            type=describe(body),
            user=(body.get("user") or {}).get("id") or body.get("user_id"),
            latency_ms=round(seconds * 1000, 1),
            outcome="ok" if response.status < 400 else f"http_{response.status}",
        )
        return response


def build(settings: Settings, *, clock: Clock = utcnow, paced: bool = True) -> tuple[Runtime, App]:
    """The runtime, then the Bolt app whose listeners use it."""
    runtime = Runtime.build(settings, clock=clock, paced=paced)
    return runtime, create_app(runtime)


def bolt_logger() -> logging.Logger:
    """The logger Bolt's own loggers copy their level from when the app is built. Left to
    itself Bolt copies the root logger's level, and at INFO it logs the whole body of a request
    whose signature is wrong: what a person typed (or a forger sent), at INFO. From WARNING up
    it says what failed without the body."""
    logger = logging.getLogger("slack_bolt")
    if logger.getEffectiveLevel() < logging.WARNING:
        logger.setLevel(logging.WARNING)
    return logger


def create_app(runtime: Runtime) -> App:
    app = MopsApp(
        signing_secret=s.get_secret_value() if (s := runtime.settings.slack_signing_secret) else "",
        client=runtime.client,
        logger=bolt_logger(),
        process_before_response=True,
        # The emulator and tests have no real workspace behind auth.test at start-up.
        token_verification_enabled=False,
        request_verification_enabled=runtime.settings.slack_signing_secret is not None,
        # To handlers.errors, which answers 404 without the warning that quotes the payload.
        raise_error_for_unhandled_request=True,
    )
    register_all(app, runtime)
    return app


# The metric's `type`: a few fixed values (an action id or a command name from a forged request
# must not make a new time series).
KINDS = {
    "block_actions": "action",
    "view_submission": "view_submission",
    "view_closed": "view_closed",
    "block_suggestion": "options",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "event_callback": "event",
    "url_verification": "url_verification",
}


def kind_of(body: dict) -> str:
    """command, action, view_submission, event, ... or other."""
    if "command" in body:
        return "command"
    return KINDS.get(str(body.get("type")), "other")


def describe(body: dict) -> str:
    """What kind of delivery this is, for the log line: command:/brief, action:approve, ..."""
    if "command" in body:
        return f"command:{body['command']}"
    kind = body.get("type", "unknown")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return f"action:{actions[0].get('action_id')}"
    if kind in ("view_submission", "view_closed"):
        return f"{kind}:{(body.get('view') or {}).get('callback_id')}"
    if kind == "event_callback":
        return f"event:{(body.get('event') or {}).get('type')}"
    return kind
