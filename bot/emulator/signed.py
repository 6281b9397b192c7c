"""Slack's side of the wire: a POST signed as Slack signs it, and what came back.

Every request carries `X-Slack-Request-Timestamp` and `X-Slack-Signature` (HMAC-SHA256 of
`v0:timestamp:body` with the signing secret); retries add `X-Slack-Retry-Num` and `-Reason`.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.emulator.records import Message

VERIFICATION_TOKEN = "emulator-verification-token"
ACK_DEADLINE = 3.0  # seconds Slack waits for an ack


@dataclass
class DeliveryResult:
    status: int  # 0 when Slack's client would not have sent the request at all
    body: Any = None  # parsed JSON when the answer was JSON, else the text (None when empty)
    text: str = ""
    elapsed: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # a modal's errors by block_id
    block_errors: list[str] = field(default_factory=list)  # an answer Slack would refuse
    ephemeral: Message | None = None  # what the person was shown from a command's ack
    message: Message | None = None  # the person's own message, for driver.message()
    mention: DeliveryResult | None = None  # the app_mention Slack sent too, when it named the bot
    redeliveries: list[DeliveryResult] = field(default_factory=list)  # sent with it, see post()

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.errors and not self.block_errors

    @property
    def late(self) -> bool:
        return self.elapsed > ACK_DEADLINE


class SignedSender:
    def __init__(self, url: str, signing_secret: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self._verifier = SignatureVerifier(signing_secret)
        self.last: tuple[str, str] | None = None  # (body, content type) of the latest POST

    def post(
        self,
        body: str,
        content_type: str,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        stale: bool = False,
        bad_signature: bool = False,
        redeliveries: int = 0,
    ) -> DeliveryResult:
        """One signed POST to the bot. `stale` and `bad_signature` forge what Bolt must refuse.

        `redeliveries`: Slack's retries of the same body (X-Slack-Retry-Num 1..n) sent at the
        same moment as the original, each from its own thread and started in a shuffled order,
        as they arrive when the bot's first ack is late: the original's result comes back with
        the others in `redeliveries` (in retry-number order)."""
        self.last = (body, content_type)
        if redeliveries:
            return self._with_redeliveries(body, content_type, redeliveries, retry_reason)
        return self._send(body, content_type, retry_num, retry_reason, stale, bad_signature)

    def _send(
        self,
        body: str,
        content_type: str,
        retry_num: int | None,
        retry_reason: str,
        stale: bool = False,
        bad_signature: bool = False,
    ) -> DeliveryResult:
        timestamp = str(int(time.time()) - (600 if stale else 0))
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body) or ""
        if bad_signature:
            signature = "v0=" + "0" * 64
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
            "User-Agent": "Slackbot 1.0 (+emulator)",
        }
        if retry_num is not None:
            headers.update(
                {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
            )
        request = urllib.request.Request(
            self.url, data=body.encode(), headers=headers, method="POST"
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw, answer_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, answer_headers = error.code, error.read(), error.headers
        elapsed = time.perf_counter() - started
        text = raw.decode("utf-8", "replace")
        parsed: Any = text or None
        if text and "json" in (answer_headers.get("Content-Type") or ""):
            parsed = json.loads(text)
        return DeliveryResult(status, parsed, text, elapsed, dict(answer_headers.items()))

    def _with_redeliveries(
        self, body: str, content_type: str, retries: int, reason: str
    ) -> DeliveryResult:
        numbers: list[int | None] = [None, *range(1, retries + 1)]
        results: dict[int | None, DeliveryResult] = {}
        start = threading.Barrier(len(numbers))

        def deliver(number: int | None) -> None:
            start.wait()
            results[number] = self._send(body, content_type, number, reason)

        order = list(numbers)
        random.shuffle(order)
        threads = [threading.Thread(target=deliver, args=(n,)) for n in order]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        original = results[None]
        original.redeliveries = [results[n] for n in numbers[1:]]
        return original

    def _form(self, fields: dict[str, Any], **options: Any) -> DeliveryResult:
        return self.post(
            urllib.parse.urlencode(fields), "application/x-www-form-urlencoded", **options
        )

    def _payload(self, payload: dict[str, Any], **options: Any) -> DeliveryResult:
        return self._form({"payload": json.dumps(payload)}, **options)
