"""The sender's lanes (issue 13, finding 5): Slack limits chat.postMessage per channel and other
methods per tier, so the sender keeps to each lane's pace, a 429 pauses only its lane until
Retry-After, and what a person just did goes before a wave of reminders and digests.

The emulator enforces Slack's limits here; both sides count seconds on one clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.emulator import SlackEmulator
from bot.emulator.limits import RateLimits
from bot.slack.lanes import Lanes
from bot.slack.models import Priority
from bot.slack.outbox import enqueue
from bot.slack.sender import OutboxSender
from bot.storage.database import Database
from tests.support.clock import Clock


class Seconds:
    """A monotonic clock the test moves (Slack's and the sender's budgets count on it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def slack(seconds: Seconds) -> Iterator[SlackEmulator]:
    with SlackEmulator(limits=RateLimits(monotonic=seconds)) as emulator:
        yield emulator


def sender(db: Database, slack: SlackEmulator, lanes: Lanes, **kwargs) -> OutboxSender:  # type: ignore[no-untyped-def]
    client = WebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[])
    return OutboxSender(db, client, clock=lanes.clock, lanes=lanes, **kwargs)


def post(db: Database, channel: str, text: str, priority: Priority | None = None) -> None:
    with db.transaction() as session:
        enqueue(session, "chat.postMessage", {"channel": channel, "text": text}, priority=priority)


def ratelimited(slack: SlackEmulator) -> list[str]:
    return [c.args["channel"] for c in slack.calls if c.error == "ratelimited"]


def test_posts_to_one_channel_keep_slacks_pace_and_meet_no_429(
    db: Database, slack: SlackEmulator, seconds: Seconds
) -> None:
    for n in range(6):
        post(db, "C01MKTG", f"message {n}")
    outbox = sender(db, slack, Lanes(Clock(), monotonic=seconds))
    assert outbox.drain() == 3  # the burst Slack allows a channel
    assert outbox.drain() == 0  # the rest wait for the channel's budget, not for a 429
    seconds.now += 1
    assert outbox.drain() == 1  # one more a second
    seconds.now += 2
    assert outbox.drain() == 2
    assert [m.text for m in slack.messages("marketing")] == [f"message {n}" for n in range(6)]
    assert ratelimited(slack) == []


def test_a_429_pauses_its_lane_until_retry_after_while_other_lanes_go_on(
    db: Database, slack: SlackEmulator, seconds: Seconds
) -> None:
    clock = Clock()
    # A sender that believes the channel takes ten at once: Slack says otherwise.
    outbox = sender(db, slack, Lanes(clock, monotonic=seconds, post_burst=10), concurrency=1)
    for n in range(4):
        post(db, "C01MKTG", f"message {n}")
    outbox.drain()
    assert ratelimited(slack) == ["C01MKTG"]  # Retry-After: 1
    assert outbox.next_due_in() == 1.0  # the sender sleeps until the lane opens, not spins
    for n in range(4, 6):
        post(db, "C01MKTG", f"message {n}")
    post(db, "C03ESC", "another channel")
    post(db, "U02BRAM", "a DM")
    calls_before = len(slack.calls)
    assert outbox.drain() == 2  # the escalation channel and the DM, not the paused channel
    assert len(slack.calls) == calls_before + 2
    assert ratelimited(slack) == ["C01MKTG"]  # no second 429
    seconds.now += 3  # Slack's bucket holds three again
    clock.advance(seconds=1)  # Retry-After has passed
    outbox.drain()
    assert [m.text for m in slack.messages("marketing")] == [f"message {n}" for n in range(6)]
    assert ratelimited(slack) == ["C01MKTG"]


def test_a_persons_answer_goes_before_a_wave_of_digests(
    db: Database, slack: SlackEmulator, seconds: Seconds
) -> None:
    for n in range(30):
        post(db, ["C01MKTG", "C02INTAKE", "C03ESC"][n % 3], f"digest {n}", Priority.BULK)
    with db.transaction() as session:
        enqueue(
            session,
            "chat.postEphemeral",
            {"channel": "C01MKTG", "user": "U02BRAM", "text": "Only the requester can do that."},
        )
    lanes = Lanes(Clock(), monotonic=seconds, post_burst=100)
    outbox = sender(db, slack, lanes, batch=5, concurrency=1)
    outbox.drain()
    assert [c.method for c in slack.calls][0] == "chat.postEphemeral"
    assert len(slack.ephemerals("U02BRAM")) == 1
