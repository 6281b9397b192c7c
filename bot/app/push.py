"""The results push: a warehouse job POSTs an experiment's daily aggregates as CSV.

    POST /experiments/ID/results
    Authorization: Bearer <the token from `/mops experiment token ID`>
    Content-Type: text/csv
    (optional) Idempotency-Key: <anything unique per push; a retry with the same key is a no-op>

Answers JSON: 200 {"ok": true, "message": ...} when stored (the thread gets the progress note or
the readout), 422 with the reason when the file can't be read (nothing stored), 401 for a wrong
token, 404/405/413 as usual. Served beside /slack/events in HTTP mode, and on its own port
(MOPSBOT_PUSH_PORT) in Socket Mode.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.core.logs import get_logger
from bot.experiments import flows

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from bot.app.runtime import Runtime

PATH = re.compile(r"^/experiments/([0-9]{1,9})/results/?$")
MAX_BYTES = 20 * 1024 * 1024
log = get_logger("mopsbot.requests")
STATUS = {
    200: "200 OK",
    401: "401 Unauthorized",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    411: "411 Length Required",
    413: "413 Content Too Large",
    415: "415 Unsupported Media Type",
    422: "422 Unprocessable Content",
}


def push_app(runtime: Runtime) -> WSGIApplication:
    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        status, body = _handle(runtime, environ)
        log.info(  # one line per push, as for Slack's deliveries; never the token or the file
            "request",
            type="push",
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            outcome="ok" if status == 200 else f"http_{status}",
        )
        start_response(STATUS[status], [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return wsgi


def _handle(runtime: Runtime, environ: WSGIEnvironment) -> tuple[int, dict]:
    match = PATH.match(environ.get("PATH_INFO") or "")
    if match is None:
        return 404, {"ok": False, "error": "not_found"}
    if environ.get("REQUEST_METHOD") != "POST":
        return 405, {"ok": False, "error": "use POST"}
    experiment_id = int(match.group(1))
    header = environ.get("HTTP_AUTHORIZATION") or ""
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not token or not flows.token_matches(runtime.db, experiment_id, token):
        return 401, {"ok": False, "error": "invalid_token"}
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return 411, {"ok": False, "error": "send a Content-Length"}
    if length < 0:
        return 411, {"ok": False, "error": "send a Content-Length"}
    if length > MAX_BYTES:
        return 413, {"ok": False, "error": "over 20 MB; send one day at a time"}
    try:
        text = environ["wsgi.input"].read(length).decode("utf-8-sig")
    except UnicodeDecodeError:
        return 415, {"ok": False, "error": "the body is not UTF-8 CSV"}
    key = environ.get("HTTP_IDEMPOTENCY_KEY")
    done = flows.add_results(
        runtime.db,
        experiment_id=experiment_id,
        text=text,
        source="push",
        actor_id="warehouse",
        policy_version=runtime.policy.version,
        now=runtime.clock(),
        delivery_key=f"push:{experiment_id}:{key[:100]}" if key else None,
    )
    return (200 if done.ok else 422), {"ok": done.ok, "message": done.message}
