"""The emulator's message metadata (as Slack keeps and returns it) and its fault injection."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator import SlackEmulator
from bot.emulator.faults import FaultKind, FaultPlan

META = {"event_type": "mopsbot_outbox", "event_payload": {"outbox_id": 7}}


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as running:
        yield running


def client(emulator: SlackEmulator, timeout: float = 5) -> WebClient:
    return WebClient(
        token=emulator.bot_token,
        base_url=emulator.api_url,
        timeout=timeout,  # type: ignore[arg-type]  # slack_sdk says int; urllib takes a float
        retry_handlers=[],
    )


def test_metadata_is_kept_and_returned_only_when_asked_for(emulator: SlackEmulator) -> None:
    web = client(emulator)
    posted = web.chat_postMessage(channel="C01MKTG", text="hello", metadata=META)
    plain = web.conversations_history(channel="C01MKTG")["messages"][0]
    assert plain["ts"] == posted["ts"] and "metadata" not in plain
    full = web.conversations_history(channel="C01MKTG", include_all_metadata=True)["messages"]
    assert full[0]["metadata"] == META
    web.chat_postMessage(channel="C01MKTG", text="reply", thread_ts=posted["ts"], metadata=META)
    thread = web.conversations_replies(
        channel="C01MKTG", ts=posted["ts"], include_all_metadata=True
    )["messages"]
    assert [m.get("metadata") for m in thread] == [META, META]


@pytest.mark.parametrize(
    "metadata",
    [{"event_type": "x"}, {"event_payload": {}}, {"event_type": "", "event_payload": {}}, [1]],
)
def test_malformed_metadata_is_refused(emulator: SlackEmulator, metadata: object) -> None:
    with pytest.raises(SlackApiError) as refused:
        client(emulator).api_call(
            "chat.postMessage", json={"channel": "C01MKTG", "text": "x", "metadata": metadata}
        )
    assert refused.value.response["error"] == "invalid_metadata_format"
    assert emulator.messages("marketing") == []


def test_history_takes_a_conversation_id_not_a_user_id(emulator: SlackEmulator) -> None:
    web = client(emulator)
    with pytest.raises(SlackApiError) as refused:
        web.conversations_history(channel="U01RITA")
    assert refused.value.response["error"] == "channel_not_found"
    dm = web.conversations_open(users="U01RITA")["channel"]["id"]
    assert web.conversations_history(channel=dm)["ok"]


def test_history_pages_newest_first_from_oldest(emulator: SlackEmulator) -> None:
    web = client(emulator)
    stamps = [web.chat_postMessage(channel="C01MKTG", text=f"m{n}")["ts"] for n in range(5)]
    first = web.conversations_history(channel="C01MKTG", limit=2, oldest=stamps[0])
    assert [m["ts"] for m in first["messages"]] == [stamps[4], stamps[3]] and first["has_more"]
    rest = web.conversations_history(
        channel="C01MKTG",
        limit=2,
        oldest=stamps[0],
        cursor=first["response_metadata"]["next_cursor"],
    )
    assert [m["ts"] for m in rest["messages"]] == [stamps[2], stamps[1]]
    assert not rest["has_more"]


def test_reading_a_dm_needs_im_history() -> None:
    with SlackEmulator(scopes=frozenset({"chat:write", "im:write"})) as emulator:
        web = client(emulator)
        dm = web.conversations_open(users="U01RITA")["channel"]["id"]
        with pytest.raises(SlackApiError) as refused:
            web.conversations_history(channel=dm)
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == "im:history"


def test_a_late_answer_comes_after_the_post_was_made(emulator: SlackEmulator) -> None:
    emulator.late_next("chat.postMessage", 0.6)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client(emulator, timeout=0.2).chat_postMessage(channel="C01MKTG", text="made")
    assert time.monotonic() - started < 0.5
    assert [m.text for m in emulator.messages("marketing")] == ["made"]


def test_a_fault_plan_is_repeatable_and_counts_what_it_injected() -> None:
    def run(seed: int) -> list[FaultKind | None]:
        plan = FaultPlan(ratelimited=0.2, server_error=0.2, timeout_after_accept=0.2, seed=seed)
        return [plan.draw("chat.postMessage") for _ in range(200)]

    assert run(3) == run(3) != run(4)
    drawn = run(3)
    assert {kind for kind in drawn if kind} == set(FaultKind)
    assert 0.3 < drawn.count(None) / len(drawn) < 0.5  # 40% meet no fault
    plan = FaultPlan(ratelimited=1.0)
    assert plan.draw("users.info") is None  # only the methods it covers
    assert plan.draw("chat.postMessage") == FaultKind.RATELIMITED
    assert plan.injected == {FaultKind.RATELIMITED: 1}
    with pytest.raises(ValueError, match="at most 1"):
        FaultPlan(ratelimited=0.6, server_error=0.6)


def test_a_burst_comes_first_then_the_draws_go_on_where_they_were() -> None:
    def plan() -> FaultPlan:
        return FaultPlan(ratelimited=0.3, server_error=0.3, timeout_after_accept=0.3, seed=5)

    calm, stormy = plan(), plan()
    stormy.burst(FaultKind.SERVER_ERROR, 2)
    stormy.burst(FaultKind.TIMEOUT_AFTER_ACCEPT, 1)
    assert stormy.draw("users.info") is None  # not a method it covers: the burst waits
    burst = [stormy.draw("chat.postMessage") for _ in range(3)]
    assert burst == [FaultKind.SERVER_ERROR] * 2 + [FaultKind.TIMEOUT_AFTER_ACCEPT]
    after = [stormy.draw("chat.update") for _ in range(20)]
    assert after == [calm.draw("chat.update") for _ in range(20)]  # a burst spends no draws
    assert stormy.injected == calm.injected + Counter(burst)


def test_a_plan_answers_429_and_5xx_without_doing_the_call() -> None:
    with SlackEmulator(faults=FaultPlan(ratelimited=1.0, retry_after=2)) as emulator:
        with pytest.raises(SlackApiError) as limited:
            client(emulator).chat_postMessage(channel="C01MKTG", text="x")
        assert limited.value.response.status_code == 429
        assert limited.value.response.headers["Retry-After"] == "2"
        assert emulator.messages("marketing") == []
    with SlackEmulator(faults=FaultPlan(server_error=1.0, status=502)) as emulator:
        with pytest.raises(SlackApiError) as failed:
            client(emulator).chat_postMessage(channel="C01MKTG", text="x")
        assert failed.value.response.status_code == 502
        assert emulator.messages("marketing") == []
