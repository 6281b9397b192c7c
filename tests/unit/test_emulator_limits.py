"""The emulator's pace (bot.emulator.limits): Slack's rate-limit tiers per method, about one
chat.postMessage per second per channel, 429 with Retry-After, and the network's round trip."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator import SlackEmulator
from bot.emulator.limits import NetworkDelay, RateLimits


class Seconds:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def limited(seconds: Seconds) -> Iterator[SlackEmulator]:
    with SlackEmulator(limits=RateLimits(monotonic=seconds)) as emulator:
        yield emulator


def client_of(emulator: SlackEmulator) -> WebClient:
    return WebClient(base_url=emulator.api_url, token=emulator.bot_token, retry_handlers=[])


def refused(call: Callable[[], object]) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


def test_a_tier_2_method_allows_a_minutes_quota_then_answers_429_with_retry_after(
    limited: SlackEmulator, seconds: Seconds
) -> None:
    client = client_of(limited)
    for _ in range(20):  # usergroups.list is Tier 2: 20+ per minute
        client.usergroups_list(include_users=True)
    error = refused(lambda: client.usergroups_list(include_users=True))
    assert error.response.status_code == 429 and error.response["error"] == "ratelimited"
    assert error.response.headers["Retry-After"] == "3"  # one more every 3 s
    client.users_info(user="U02BRAM")  # another method's budget is its own
    seconds.now += 3
    client.usergroups_list(include_users=True)


def test_chat_post_message_is_limited_per_channel_with_a_short_burst(
    limited: SlackEmulator, seconds: Seconds
) -> None:
    client = client_of(limited)
    for n in range(3):
        client.chat_postMessage(channel="C01MKTG", text=f"burst {n}")
    error = refused(lambda: client.chat_postMessage(channel="C01MKTG", text="one too many"))
    assert (error.response.status_code, error.response.headers["Retry-After"]) == (429, "1")
    client.chat_postMessage(channel="C03ESC", text="another channel goes on")
    client.chat_postMessage(channel="U02BRAM", text="a DM is its own channel")
    seconds.now += 1
    client.chat_postMessage(channel="C01MKTG", text="a second later")
    assert [m.text for m in limited.messages("marketing")] == [
        "burst 0",
        "burst 1",
        "burst 2",
        "a second later",
    ]
    assert limited.limits is not None and limited.limits.limited == 1


def test_no_limits_unless_asked_for() -> None:
    with SlackEmulator() as emulator:
        client = client_of(emulator)
        for n in range(30):
            client.chat_postMessage(channel="C01MKTG", text=f"{n}")
        assert len(emulator.messages("marketing")) == 30


def test_every_call_takes_the_network_round_trip_and_a_slowdown_adds_to_one() -> None:
    with SlackEmulator(network=NetworkDelay(0.05, 0.05)) as emulator:
        client = client_of(emulator)
        started = time.perf_counter()
        client.auth_test()
        assert time.perf_counter() - started >= 0.05
        emulator.slow_next("users.info", 0.3)
        started = time.perf_counter()
        client.users_info(user="U02BRAM")
        assert time.perf_counter() - started >= 0.35


def test_injected_errors_on_the_directory_methods() -> None:
    with SlackEmulator() as emulator:
        client = client_of(emulator)
        emulator.fail_next("usergroups.list", error="plan_upgrade_required")
        emulator.fail_next("users.info", error="ratelimited", retry_after=2)
        assert refused(client.usergroups_list).response["error"] == "plan_upgrade_required"
        limited = refused(lambda: client.users_info(user="U02BRAM")).response
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "2")
        assert client.usergroups_list()["ok"] and client.users_info(user="U02BRAM")["ok"]
