"""Slack's door in HTTP mode: only a request Slack signed in the last five minutes, whose body is
one Slack could send, reaches Bolt. Anything else is answered 4xx with one log line.

Bolt verifies signatures as well (that stays on, behind this), but it reads the body first, and
its reading of a request that is not Slack's raised inside the WSGI adapter: a timestamp that is
no number, a signature with a non-ASCII character, bytes that are not UTF-8, JSON that is not an
object, or `"user": 5`, each made a 500 with a traceback, for anyone, signed or not.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier

from bot.core.logs import get_logger
from bot.slack.envelope import MalformedDelivery, parse_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = get_logger("mopsbot.requests")

PATH = "/slack/events"
# Slack's largest payloads (a view submission with a hundred 3,000-character inputs and its
# blocks) stay well under this; waitress alone would read up to 1 GB into memory.
MAX_BODY_BYTES = 4 * 1024 * 1024
# Slack's own rule: a request older (or newer) than five minutes may be a replay.
MAX_AGE_SECONDS = 5 * 60


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class SlackDoor:
    """The WSGI app for /slack/events (Bolt's SlackRequestHandler, with the door in front)."""

    def __init__(
        self,
        app: App,
        signing_secret: str | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        # None only where Bolt's verification is off too (benchmarks of the bare app).
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._clock = clock

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        try:
            request = self._admit(environ)
        except Refused as refused:
            log.info(
                "request",
                type="refused",
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
                outcome=f"http_{refused.status}",
                reason=refused.reason,
            )
            return _answer(start_response, WsgiHttpResponse(refused.status, _TEXT, "refused"))
        answer = self.app.dispatch(request)  # MopsApp logs the delivery's line
        return _answer(start_response, WsgiHttpResponse(answer.status, answer.headers, answer.body))

    def _admit(self, environ: WSGIEnvironment) -> BoltRequest:
        if (environ.get("PATH_INFO") or "") != PATH:
            raise Refused(404, "not the Slack endpoint")
        if environ.get("REQUEST_METHOD") != "POST":
            raise Refused(405, f"method {str(environ.get('REQUEST_METHOD'))[:10]!r}")
        headers = _headers(environ)
        try:
            text = _read(environ).decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "the body is not UTF-8") from None
        self._verify(text, headers)
        content_type = (headers.get("content-type") or "").split(";")[0].strip() or None
        try:
            body = parse_body(text, content_type)
        except MalformedDelivery as error:
            raise Refused(400, str(error)) from None
        request = BoltRequest(
            body=text, query=environ.get("QUERY_STRING", ""), headers=dict(headers)
        )
        if request.body != body:  # Bolt misread a command whose text says "payload"
            request.body = body
            request.context = build_context(BoltContext(), body)
        return request

    def _verify(self, body: str, headers: dict[str, str]) -> None:
        if self._verifier is None:
            return
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not (timestamp.isascii() and timestamp.isdigit()):
            raise Refused(401, "no request timestamp")
        if abs(self._clock() - int(timestamp)) > MAX_AGE_SECONDS:
            raise Refused(401, "the request timestamp is over five minutes off (a replay?)")
        expected = self._verifier.generate_signature(timestamp=timestamp, body=body) or ""
        # compare_digest refuses non-ASCII str (a TypeError); as bytes, any header compares.
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise Refused(401, "wrong signature")


_TEXT: dict[str, Sequence[str]] = {"content-type": ["text/plain;charset=utf-8"]}


def _read(environ: WSGIEnvironment) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "the Content-Length is not a number") from None
    if length < 0:
        raise Refused(400, "the Content-Length is negative")
    if length > MAX_BODY_BYTES:
        raise Refused(413, f"the body is over {MAX_BODY_BYTES // (1024 * 1024)} MB")
    stream = environ.get("wsgi.input")
    return stream.read(length) if stream is not None and length else b""


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    """As Bolt's WSGI adapter names them: lower case, dashes."""
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            headers[key.lower().replace("_", "-")] = value
        elif key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
    return headers


def _answer(start_response: StartResponse, response: WsgiHttpResponse) -> Iterable[bytes]:
    start_response(response.status, response.get_headers())
    return response.get_body()
