"""Property tests of the bot's HTTP doors: /slack/events, the experiment results push, /healthz
and /readyz. Whatever arrives (any bytes, any headers, JSON that is not Slack's, a replay, a
wrong signature), the answer is a 4xx (or the probe's own answer), nothing is stored, and the
request writes exactly one log line, without a traceback.

The Slack endpoint's properties sign what they send where the point is the payload, and send it
unsigned or wrongly signed where the point is the signature.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.app.local import LocalBot
from bot.storage.database import Database
from tests.e2e.test_experiments import PLAN
from tests.support.briefs import outbox_drained
from tests.support.properties import (
    domain_counts,
    newest_outbox_id,
    one_line_about_it,
    only_answers_to,
    post,
    quiet_bot,
    request_lines,
    row_counts,
    signed,
)
from tests.support.waiting import eventually

CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/json; charset=utf-8",
    "text/plain",
    "multipart/form-data; boundary=x",
    "",
]
# Header values http.client can send: Latin-1, no line breaks.
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=80,
)
# Any JSON value, with the text people type: control characters, RTL and zero-width marks,
# emoji, other scripts (surrogates are no text: json.dumps writes them escaped, see below).
odd_text = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\u200f", "\u200b", "\u202e", "\ufeff", "\U0001f680", "\x00", "\x1b"]),
    ),
    max_size=60,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=12,
)
form_bodies = st.dictionaries(odd_text, odd_text, max_size=5).map(urllib.parse.urlencode)
text_bodies = st.one_of(
    json_values.map(json.dumps),
    json_values.map(lambda v: json.dumps(v, ensure_ascii=False)),
    form_bodies,
    json_values.map(lambda v: "payload=" + urllib.parse.quote(json.dumps(v))),
    odd_text,
)


@pytest.fixture
def local(db: Database) -> Iterator[LocalBot]:
    with quiet_bot(db) as running:
        yield running


# -- /slack/events, not signed by Slack -------------------------------------------------------


@given(
    body=st.one_of(st.binary(max_size=3000), text_bodies.map(str.encode)),
    content_type=st.sampled_from(CONTENT_TYPES),
    timestamp=st.one_of(st.none(), header_text, st.integers().map(str)),
    signature=st.one_of(st.none(), header_text, header_text.map(lambda s: "v0=" + s)),
)
@example(body=b"{", content_type="application/json", timestamp="1", signature="v0=")
@example(body=b"x", content_type="text/plain", timestamp="now", signature="v0=abc")  # was a 500
@example(body=b"{}", content_type="application/json", timestamp=None, signature="v0=\xe9")
@example(body=b"\xff\xfe", content_type="application/json", timestamp=None, signature=None)
def test_an_unsigned_request_is_refused_and_stores_nothing(
    local: LocalBot,
    body: bytes,
    content_type: str,
    timestamp: str | None,
    signature: str | None,
) -> None:
    headers = {"Content-Type": content_type}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    if signature is not None:
        headers["X-Slack-Signature"] = signature
    before, outbox_from = row_counts(local), newest_outbox_id(local)
    with request_lines() as lines:
        answer = post(local.server.url, body, headers)
    assert answer.status in (400, 401), (answer.status, answer.text)
    assert "Traceback" not in answer.text
    line = one_line_about_it(lines.take())
    assert f"http_{answer.status}" in line.getMessage()
    assert row_counts(local) == before and newest_outbox_id(local) == outbox_from


@given(body=text_bodies, age=st.integers(301, 10**9) | st.integers(-(10**9), -301))
def test_a_replay_outside_five_minutes_is_refused(local: LocalBot, body: str, age: int) -> None:
    raw = body.encode()
    before = row_counts(local)
    with request_lines() as lines:
        answer = post(local.server.url, raw, signed(local, raw, "application/json", age=age))
    assert answer.status == 401
    assert "five minutes" in one_line_about_it(lines.take()).getMessage()
    assert row_counts(local) == before


@given(flip=st.integers(0, 63), age=st.integers(-299, 299))
def test_a_real_command_with_a_wrong_signature_is_refused(
    local: LocalBot, flip: int, age: int
) -> None:
    """A command that would change something (`/mops digest on`), replayed with one character of
    its signature changed, or re-signed a moment later with the old signature."""
    fields = local.driver.command_fields("/mops digest on", "rita", "marketing")
    raw = urllib.parse.urlencode(fields).encode()
    headers = signed(local, raw, "application/x-www-form-urlencoded", age=age)
    digits = headers["X-Slack-Signature"]
    position = 3 + flip
    headers["X-Slack-Signature"] = (
        digits[:position] + ("0" if digits[position] != "0" else "1") + digits[position + 1 :]
    )
    before = row_counts(local)
    with request_lines() as lines:
        answer = post(local.server.url, raw, headers)
    assert answer.status == 401
    assert "wrong signature" in one_line_about_it(lines.take()).getMessage()
    assert row_counts(local) == before


# -- /slack/events, signed: the point is the payload -------------------------------------------


@given(body=text_bodies, content_type=st.sampled_from(CONTENT_TYPES[:3]))
@example(body="[1, 2]", content_type="application/json")
@example(body='{"user": 5, "type": "block_actions"}', content_type="application/json")
@example(body="payload=%7B", content_type="application/x-www-form-urlencoded")
@example(body='{"type": "event_callback", "event": "x"}', content_type="application/json")
@example(body='{"a": "\\ud800"}', content_type="application/json")  # a lone surrogate
@example(body='{"a": "\\u0000"}', content_type="application/json")  # PostgreSQL's refusal
@example(body="[" * 5000, content_type="application/json")  # deeper than json.loads goes
def test_a_signed_body_that_is_not_slacks_is_refused(
    local: LocalBot, body: str, content_type: str
) -> None:
    before, outbox_from = row_counts(local), newest_outbox_id(local)
    with request_lines() as lines:
        result = local.driver.post(body, content_type)
    # 400: not a body Slack sends; 404: a body Bolt has no listener for (Bolt's own answer).
    assert result.status in (400, 404), (result.status, result.text)
    one_line_about_it(lines.take())
    assert row_counts(local) == before and newest_outbox_id(local) == outbox_from


def _mutations(payload: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`payload` with one field (at any depth) removed, or given a value of another type."""
    paths: list[tuple[Any, ...]] = []

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                paths.append((*path, key))
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                paths.append((*path, index))
                walk(item, (*path, index))

    walk(payload, ())

    def mutate(path: tuple[Any, ...], replace: bool, value: Any) -> dict[str, Any]:
        copy = json.loads(json.dumps(payload))
        parent = copy
        for step in path[:-1]:
            parent = parent[step]
        if replace:
            parent[path[-1]] = value
        elif isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
        return copy

    wrong = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.text(max_size=3).map(lambda s: s * 40),  # longer than any Slack id
    )
    return st.builds(mutate, st.sampled_from(paths), st.booleans(), wrong)


@given(data=st.data())
def test_a_command_with_a_missing_or_mistyped_field_never_fails(
    local: LocalBot, data: st.DataObject
) -> None:
    """`/brief list` with a field gone or of another type (sent as JSON, the only way to send a
    type that isn't text): refused at the door, unmatched, or answered, never a 500."""
    fields = local.driver.command_fields("/brief list", "rita", "marketing")
    payload = data.draw(_mutations(fields))
    before, outbox_from = domain_counts(local), newest_outbox_id(local)
    with request_lines() as lines:
        result = local.driver.post(json.dumps(payload), "application/json")
    assert result.status in (200, 400, 404), (result.status, result.text)
    one_line_about_it(lines.take())
    assert domain_counts(local) == before
    only_answers_to(local, outbox_from, user=fields["user_id"])


# -- /healthz and /readyz ----------------------------------------------------------------------


@given(
    path=st.sampled_from(["/healthz", "/readyz"]),
    method=st.sampled_from(["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"]),
    body=st.binary(max_size=200),
    query=header_text.map(lambda s: urllib.parse.quote(s, safe="=&")),
)
def test_a_probe_answers_only_to_reading(
    local: LocalBot, path: str, method: str, body: bytes, query: str
) -> None:
    before = row_counts(local)
    with request_lines() as lines:
        answer = post(local.server.base_url, body, {}, method=method, path=f"{path}?{query}")
    assert answer.status == 405
    one_line_about_it(lines.take())
    assert row_counts(local) == before


@given(
    path=st.sampled_from(["/healthz", "/readyz"]),
    method=st.sampled_from(["GET", "HEAD"]),
    query=header_text.map(lambda s: urllib.parse.quote(s, safe="=&")),
)
def test_a_probe_with_odd_query_strings_answers_as_usual(
    local: LocalBot, path: str, method: str, query: str
) -> None:
    before = row_counts(local)
    answer = post(local.server.base_url, b"", {}, method=method, path=f"{path}?{query}")
    assert answer.status in (200, 503)
    if method == "GET" and path == "/readyz":
        assert json.loads(answer.body)["ready"] in (True, False)
    assert row_counts(local) == before


# -- the experiment results push ---------------------------------------------------------------


@given(
    path=st.one_of(
        st.just("/experiments/1/results"),
        st.integers(-5, 10**12).map(lambda n: f"/experiments/{n}/results"),
        header_text.map(lambda s: "/experiments/" + urllib.parse.quote(s)),
    ),
    method=st.sampled_from(["POST", "GET", "PUT"]),
    authorization=st.one_of(
        st.none(), header_text, header_text.map(lambda s: "Bearer " + s), st.just("Bearer ")
    ),
    body=st.one_of(st.binary(max_size=2000), odd_text.map(str.encode)),
    key=st.one_of(st.none(), header_text),
)
@example(path="/experiments/1/results", method="POST", authorization="Bearer x", body=b"", key=None)
def test_a_push_without_the_token_is_refused_and_stores_nothing(
    local: LocalBot,
    path: str,
    method: str,
    authorization: str | None,
    body: bytes,
    key: str | None,
) -> None:
    headers = {"Content-Type": "text/csv"}
    if authorization is not None:
        headers["Authorization"] = authorization
    if key is not None:
        headers["Idempotency-Key"] = key
    before = row_counts(local)
    with request_lines() as lines:
        answer = post(local.server.base_url, body, headers, method=method, path=path)
    assert 400 <= answer.status < 500, (answer.status, answer.text)
    one_line_about_it(lines.take())
    assert row_counts(local) == before


@pytest.fixture
def token(local: LocalBot) -> str:
    """Experiment #1, registered by Rita, and its push token."""
    slack = local.slack
    slack.command("/mops experiment new", as_user="rita")
    assert slack.submit(PLAN, as_user="rita").ok
    slack.command("/mops experiment token 1", as_user="rita")
    shown = slack.wait_for_message(lambda m: "mxp_1_" in m.text, ephemeral=True).text
    found = re.search(r"`(mxp_1_[^`]+)`", shown)
    assert found is not None, shown
    eventually(lambda: outbox_drained(local), "the registration's messages sent")
    return found.group(1)


csv_cells = st.one_of(
    st.sampled_from(["control", "short", "2026-11-03", "100", "7", "-1", "1e999", "NaN", ""]),
    odd_text,
)
csv_bodies = st.lists(
    st.lists(csv_cells, min_size=1, max_size=6).map(lambda row: ",".join(row)), max_size=6
).map(lambda rows: "\n".join(["arm,date,users,signup_sum,signup_sumsq", *rows]))


@given(
    body=st.one_of(st.binary(max_size=2000), csv_bodies.map(str.encode), odd_text.map(str.encode)),
    key=st.one_of(st.none(), header_text),
)
@example(body=b"arm,date\n\x00,\x00", key=None)
@example(body=b"\xff\xfe", key="k")
def test_a_push_with_the_token_and_a_bad_file_stores_nothing(
    local: LocalBot, token: str, body: bytes, key: str | None
) -> None:
    """The right token, and a file that isn't daily aggregates: 4xx with the reason, or 200
    when the rows happen to be good aggregates. (A Content-Length that lies is waitress's to
    answer, before the push sees the request.)"""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    if key is not None:
        headers["Idempotency-Key"] = key
    before = row_counts(local)
    with request_lines() as lines:
        answer = post(local.server.base_url, body, headers, path="/experiments/1/results")
    assert answer.status in (200, 400, 411, 413, 415, 422), (answer.status, answer.text)
    one_line_about_it(lines.take())
    if answer.status != 200:
        assert json.loads(answer.body)["ok"] is False
        assert domain_counts(local) == {
            k: v for k, v in before.items() if k not in ("handled_deliveries", "outbox")
        }
