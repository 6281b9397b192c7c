"""`SlackEmulator`: a fake Slack Web API on localhost, with the state tests and the shell inspect.

Point `slack_sdk.WebClient(base_url=emulator.api_url, token=emulator.bot_token)` at it. It answers
in Slack's shapes and with Slack's errors, validates blocks as Slack does, and can be told to
fail the next calls of a method (rate limits, 5xx, any Slack error) to test the bot's retries,
or slow them down, or answer them too late after doing them (`late_next`); `faults` draws such
faults at random for a whole run (bot.emulator.faults). With `limits` it enforces Slack's rate-limit tiers and the per-channel posting
limit, and with `network` every Web API call takes a round trip's time (bot.emulator.limits).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from bot.emulator import api_chat, api_directory, api_files, api_views, response_url
from bot.emulator.api import ApiCall, Args, Method, SlackError
from bot.emulator.faults import FaultKind, FaultPlan
from bot.emulator.limits import NetworkDelay, RateLimits, Slowdowns, wait_for_network
from bot.emulator.queries import WorkspaceQueries
from bot.emulator.records import Call
from bot.emulator.seed import DEFAULT_SEED, Seed
from bot.emulator.workspace import Workspace

BOT_TOKEN = "xoxb-emulator"
log = logging.getLogger("mopsbot.emulator")

# Every Web API method the emulator answers; anything else is `unknown_method`, as on Slack.
WEB_API: dict[str, Method] = {
    **api_chat.METHODS,
    **api_directory.METHODS,
    **api_files.METHODS,
    **api_views.METHODS,
}


@dataclass
class _Fault:
    error: str | None
    status: int | None
    retry_after: float
    times: int


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002
        pass  # the shell's screen is not the place for an access log


class SlackEmulator(WorkspaceQueries):
    def __init__(
        self,
        seed: Seed = DEFAULT_SEED,
        host: str = "127.0.0.1",
        port: int = 0,
        trigger_ttl: float = 3.0,
        scopes: frozenset[str] | None = None,
        limits: RateLimits | None = None,
        network: NetworkDelay | None = None,
        faults: FaultPlan | None = None,
        commands: frozenset[str] | None = None,
    ) -> None:
        """`scopes`: the bot token's scopes; by default what manifest.yaml requests.
        `commands`: the slash commands the app registered; by default manifest.yaml's.
        `limits`, `network`: Slack's rate limits and round trip (bot.emulator.limits); off
        unless given. `faults`: 429s, 5xx and late answers at random (bot.emulator.faults)."""
        super().__init__(Workspace(seed, scopes, commands))
        self.seed = seed
        self.bot_token = BOT_TOKEN
        self.trigger_ttl = trigger_ttl  # Slack's trigger ids live three seconds
        self._host, self._port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._faults: dict[str, list[_Fault]] = {}
        self.limits = limits
        self.network = network
        self._slowdowns = Slowdowns()
        self._late = Slowdowns()  # answers held back after the call took effect
        self.faults = faults

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> SlackEmulator:
        self._server = make_server(
            self._host, self._port, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        # A short poll interval makes stop() quick; tests start and stop many emulators.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self._host}:{self._server.server_port}/"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}api/"

    # -- test controls --------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        error: str | None = "ratelimited",
        retry_after: float = 1,
        times: int = 1,
        status: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with a failure instead of running them:
        error="ratelimited" -> HTTP 429 with Retry-After; status=5xx -> that HTTP status;
        any other error -> HTTP 200 with {"ok": false, "error": error}."""
        with self.workspace.lock:
            self._faults.setdefault(method, []).append(_Fault(error, status, retry_after, times))

    def slow_next(self, method: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls of `method` take `seconds` longer (on top of the network)."""
        self._slowdowns.add(method, seconds, times)

    def late_next(self, method: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls of `method` take effect, then answer `seconds` late: a client
        whose timeout is shorter sees a timeout for a call that happened."""
        self._late.add(method, seconds, times)

    def issue_trigger_id(self, user: str) -> str:
        found = self.workspace.user(user)
        return self.workspace.issue_trigger(found.id if found else user)

    def issue_response_url(
        self, channel: str, user: str, message_ts: str | None = None, thread_ts: str | None = None
    ) -> str:
        return response_url.issue(
            self.workspace,
            self.base_url,
            channel=channel,
            user=user,
            message_ts=message_ts,
            thread_ts=thread_ts,
        )

    def apply_view_response(self, user: str, action: str, view: Any = None) -> list[str]:
        """What Slack does with a view_submission's answer: close, update, push or clear.
        Returns the errors of an invalid view (and then changes nothing)."""
        ws = self.workspace
        with ws.lock:
            stack = list(ws.view_stacks.get(user) or [])
            try:
                if action == "update" and stack:
                    top = stack[-1]
                    stack[-1] = api_views.build_view(
                        ws,
                        view,
                        kind="modal",
                        view_id=top["id"],
                        root_id=top["root_view_id"],
                        previous_id=top["previous_view_id"],
                    )
                elif action == "push" and stack:
                    stack.append(
                        api_views.build_view(
                            ws,
                            view,
                            kind="modal",
                            root_id=stack[0]["id"],
                            previous_id=stack[-1]["id"],
                        )
                    )
                elif action == "clear":
                    stack = []
                else:  # an empty ack closes the submitted view
                    stack = stack[:-1]
            except SlackError as exc:
                return list(exc.extra.get("errors") or [exc.error])
            kind = {"update": "view_updated", "push": "view_opened"}.get(action, "view_closed")
            ws.set_view_stack(user, stack, kind)
        return []

    # -- HTTP -----------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        path = request.path.strip("/").split("/")
        if len(path) == 2 and path[0] == "api":
            response = self._web_api(path[1], request)
        elif len(path) == 2 and path[0] == "upload":
            ok = api_files.receive_upload(self.workspace, path[1], request.get_data())
            response = Response(
                f"OK - {request.content_length or 0}" if ok else "not_found",
                status=200 if ok else 404,
                mimetype="text/plain",
            )
        elif len(path) == 3 and path[0] == "files-pri":
            header = request.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
            status, kind, body = api_files.serve_download(
                self.workspace, path[1], token, self.bot_token
            )
            response = Response(body, status=status, content_type=kind)
        elif len(path) == 2 and path[0] == "response":
            status, text = response_url.deliver(
                self.workspace, path[1], request.get_json(force=True, silent=True)
            )
            response = Response(text, status=status, mimetype="text/html")
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def _web_api(self, method: str, request: Request) -> Response:
        wait_for_network(self.network, self._slowdowns.take(method))
        values: dict[str, Any] = request.args.to_dict()
        if request.mimetype == "application/json":
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return self._answer(method, values, {"ok": False, "error": "invalid_json"})
            values.update(body)
        else:
            values.update(request.form.to_dict())
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        token = token or values.get("token")
        values.pop("token", None)
        handler = WEB_API.get(method)
        if handler is None:
            return self._answer(method, values, {"ok": False, "error": "unknown_method"})
        fault = self._take_fault(method)
        if fault is not None:
            return self._fail(method, values, fault)
        if token != self.bot_token:
            error = "not_authed" if not token else "invalid_auth"
            return self._answer(method, values, {"ok": False, "error": error})
        if self.limits is not None:
            retry_after = self.limits.admit(method, self._channel_id(values))
            if retry_after is not None:
                return self._ratelimited(method, values, retry_after)
        drawn = self.faults.draw(method) if self.faults is not None else None
        if drawn == FaultKind.RATELIMITED:
            return self._ratelimited(method, values, self.faults.retry_after if self.faults else 1)
        if drawn == FaultKind.SERVER_ERROR:
            status = self.faults.status if self.faults else 503
            return self._fail(method, values, _Fault(None, status, 0, 1))
        late = self._late.take(method)
        if drawn == FaultKind.TIMEOUT_AFTER_ACCEPT and self.faults is not None:
            late = max(late, self.faults.late_by)
        response = self._run(method, handler, values)
        if late > 0:
            time.sleep(late)  # done and logged already; only the answer is late
        return response

    def _run(self, method: str, handler: Method, values: dict[str, Any]) -> Response:
        call = ApiCall(self.workspace, Args(values), self.base_url, self.trigger_ttl)
        # A method's effect and its call-log entry appear together: whoever sees one sees both.
        with self.workspace.lock:
            try:
                call.require_scope(method)
                result = {"ok": True, **handler(call)}
            except SlackError as exc:
                result = {"ok": False, "error": exc.error, **exc.extra}
            except Exception as exc:  # an emulator bug: loud in the log and in the call log
                log.exception("emulator method %s failed", method)
                result = {"ok": False, "error": f"emulator_error: {type(exc).__name__}: {exc}"}
                return self._answer(method, values, result, status=500)
            return self._answer(method, values, result)

    def _take_fault(self, method: str) -> _Fault | None:
        with self.workspace.lock:
            pending = self._faults.get(method) or []
            if not pending:
                return None
            fault = pending[0]
            fault.times -= 1
            if fault.times <= 0:
                pending.pop(0)
            return fault

    def _fail(self, method: str, values: dict[str, Any], fault: _Fault) -> Response:
        if fault.status is not None and fault.status >= 500:
            # Slack's edge answers a 5xx with an HTML page, not a Web API body.
            self._log(method, values, False, f"http_{fault.status}")
            return Response(
                "<html><body>Internal Server Error</body></html>",
                status=fault.status,
                mimetype="text/html",
            )
        error = fault.error or "ratelimited"
        if error == "ratelimited":
            return self._ratelimited(method, values, fault.retry_after)
        return self._answer(
            method, values, {"ok": False, "error": error}, status=fault.status or 200
        )

    def _ratelimited(self, method: str, values: dict[str, Any], retry_after: float) -> Response:
        response = self._answer(method, values, {"ok": False, "error": "ratelimited"}, status=429)
        seconds = float(retry_after)
        response.headers["Retry-After"] = str(int(seconds) if seconds.is_integer() else seconds)
        return response

    def _channel_id(self, values: dict[str, Any]) -> str | None:
        """The channel a call posts to, as an id (a user id means that person's DM)."""
        ref = values.get("channel")
        found = self.workspace.channel(str(ref)) if ref else None
        return found.id if found else (str(ref) if ref else None)

    def _answer(
        self, method: str, values: dict[str, Any], result: dict[str, Any], status: int = 200
    ) -> Response:
        self._log(method, values, bool(result.get("ok")), result.get("error"))
        response = Response(json.dumps(result), status=status, mimetype="application/json")
        # As Slack does on every answer: the token's scopes (how a bot learns what it may do).
        response.headers["X-OAuth-Scopes"] = ",".join(sorted(self.workspace.scopes))
        return response

    def _log(self, method: str, values: dict[str, Any], ok: bool, error: str | None) -> None:
        self.workspace.record_call(Call(method, values, ok, error, time.time()))
