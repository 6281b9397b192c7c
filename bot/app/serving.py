"""The two ways to serve the Bolt app (see `bot.app.bolt`): Socket Mode and HTTP."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from waitress.server import create_server

from bot.app.door import SlackDoor
from bot.core.gc_pauses import freeze_long_lived
from bot.core.logs import get_logger

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from slack_bolt.adapter.socket_mode import SocketModeHandler

# Python hands the GIL between threads every 5 ms by default. A thread that has parsed a request
# then waits up to that long, once per hand-over, behind threads doing other work; under 50
# concurrent requests that made the ack's p99 ~250 ms even for an app that only acks. At 0.5 ms
# it is ~50 ms, for a few percent of throughput: the right trade for a server whose every
# request has a 3-second deadline. (Measured with benchmarks/ack_latency.py.)
GIL_SWITCH_INTERVAL = 0.0005
# Probes read; anything else sent to /healthz or /readyz is a mistake worth a log line.
PROBE_METHODS = ("GET", "HEAD")
log = get_logger("mopsbot.requests")


def favour_latency() -> None:
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


class HttpServer:
    """Serves Slack's requests at /slack/events with waitress (a production WSGI server)."""

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 3000,
        threads: int = 16,
        stop_within: float = 1.0,
        push: WSGIApplication | None = None,
        ready: WSGIApplication | None = None,
        metrics: WSGIApplication | None = None,
        signing_secret: str | None = None,
    ) -> None:
        """`signing_secret`: Slack's, checked at the door (`bot.app.door`) before Bolt reads
        the body; None only where the app verifies nothing either (benchmarks).
        `stop_within`: how often waitress's loop looks up from select() when idle, and so
        how long stop() can take. Requests wake it at once whatever the value; the local bot
        (tests, shell) uses a short one, which took ~1 s off each end-to-end test's teardown."""
        handler = SlackDoor(app, signing_secret)
        self._server = create_server(
            _with_health(handler, push, ready, metrics),
            host=host,
            port=port,
            threads=threads,
            ident="mopsbot",
            channel_timeout=30,
        )
        # Not create_server's asyncore_loop_timeout: waitress parses that setting as an int, so
        # the local bot's 0.05 became 0, a select() that never waited: one core spinning for as
        # long as the bot ran (every end-to-end test, the shell). Set on the parsed settings, the
        # value stays as given.
        self._server.adj.asyncore_loop_timeout = stop_within
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}/slack/events"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}"

    def start(self, freeze: bool = False) -> HttpServer:
        """`freeze`: the app is built and what exists now lives as long as the process (the
        bot's own run; not a test's, which builds many)."""
        favour_latency()
        if freeze:
            freeze_long_lived()
        self._thread = threading.Thread(target=self._run_until_stopped, name="http", daemon=True)
        self._thread.start()
        return self

    def _run_until_stopped(self) -> None:
        try:
            self._server.run()
        except OSError:
            if not self._stopping:
                raise  # closing the socket under select() is how waitress stops; nothing else is

    def stop(self, grace: float = 5.0) -> None:
        """No new connection is taken; the requests being served get `grace` seconds to finish
        (Slack wants an answer within 3 s anyway), those queued are dropped (Slack sends them
        again, and the delivery keys make a repeat a no-op)."""
        self._stopping = True
        self._server.accepting = False  # read by waitress's loop: it stops calling accept()
        self._server.pull_trigger()
        self._server.task_dispatcher.shutdown(timeout=grace)
        self._server.close()
        if self._thread:
            self._thread.join(timeout=5)


def _with_health(
    handler: WSGIApplication,
    push: WSGIApplication | None = None,
    ready: WSGIApplication | None = None,
    metrics: WSGIApplication | None = None,
) -> WSGIApplication:
    """/healthz (the process answers), /readyz (bot.app.readiness), /metrics (bot.app.scrape)
    and the experiment results push (bot.app.push) when given, else `handler`."""

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        probe = path == "/healthz" or (ready is not None and path == "/readyz")
        if probe and environ.get("REQUEST_METHOD") not in PROBE_METHODS:
            log.info("request", type=path.strip("/"), outcome="http_405")
            start_response(
                "405 Method Not Allowed", [("Content-Type", "text/plain"), ("Allow", "GET, HEAD")]
            )
            return [b"use GET"]
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        if ready is not None and path == "/readyz":
            return ready(environ, start_response)
        if metrics is not None and path == "/metrics":
            return metrics(environ, start_response)
        if push is not None and path.startswith("/experiments/"):
            return push(environ, start_response)
        return handler(environ, start_response)

    return wsgi


def not_slack(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The side port in Socket Mode serves only the push, /healthz, /readyz and /metrics."""
    log.info("request", type="unknown_path", outcome="http_404")
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


class SidePort:
    """Socket Mode has no HTTP server of its own: this one serves the results push and/or the
    health endpoints (one port for both when their settings name the same one)."""

    def __init__(
        self,
        push: WSGIApplication | None,
        host: str,
        port: int,
        ready: WSGIApplication | None = None,
        metrics: WSGIApplication | None = None,
    ) -> None:
        self._server = create_server(
            _with_health(not_slack, push, ready, metrics),
            host=host,
            port=port,
            threads=4,
            ident="mopsbot-side",
        )
        self._thread = threading.Thread(target=self._run, name="push", daemon=True)

    def _run(self) -> None:
        with contextlib.suppress(OSError):  # closing the socket under select() is how it stops
            self._server.run()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}"

    def start(self) -> SidePort:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.task_dispatcher.shutdown()
        self._server.close()
        self._thread.join(timeout=5)


def connect_socket_mode(app: App, app_token: str) -> SocketModeHandler:
    """Connected, with its own threads; `close()` disconnects (the caller waits for the stop)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    favour_latency()
    freeze_long_lived()
    handler = SocketModeHandler(app, app_token)
    handler.connect()
    return handler
