"""Which events the emulator sends, as Slack decides it: a mention of the bot is an app_mention
as well as a message, and an event comes only when the manifest subscribes to it and the token
holds its scope."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from werkzeug.serving import make_server

from bot.emulator import SlackDriver, SlackEmulator
from bot.emulator.scopes import manifest_events, manifest_scopes, receives

SECRET = "test-signing-secret"


class Recorder:
    """A real Bolt app over HTTP that records (type, text, thread_ts) of the events it gets."""

    def __init__(self, emulator: SlackEmulator) -> None:
        self.events: list[tuple[str, str, str | None]] = []
        app = App(
            signing_secret=SECRET,
            client=WebClient(base_url=emulator.api_url, token=emulator.bot_token),
            token_verification_enabled=False,
            process_before_response=True,
        )

        def record(event: dict) -> None:
            self.events.append((event["type"], event.get("text", ""), event.get("thread_ts")))

        app.event("message")(record)
        app.event("app_mention")(record)
        handler = SlackRequestHandler(app)
        self.server = make_server("127.0.0.1", 0, handler)  # type: ignore[arg-type]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/slack/events"


@pytest.fixture
def recorded() -> Iterator[tuple[SlackEmulator, SlackDriver, Recorder]]:
    with SlackEmulator() as emulator:
        recorder = Recorder(emulator)
        try:
            yield emulator, SlackDriver(recorder.url, SECRET, emulator), recorder
        finally:
            recorder.server.shutdown()


def test_a_mention_of_the_bot_is_a_message_and_an_app_mention(
    recorded: tuple[SlackEmulator, SlackDriver, Recorder],
) -> None:
    _, driver, recorder = recorded
    sent = driver.message("marketing", "rita", "@mopsbot help")
    assert sent.status == 200 and sent.mention is not None and sent.mention.status == 200
    assert recorder.events == [
        ("message", "<@U00BOT> help", None),
        ("app_mention", "<@U00BOT> help", None),
    ]
    # In a thread, the app_mention says which thread; a mention of someone else is no app_mention.
    assert sent.message is not None
    driver.message("marketing", "bram", "@mopsbot hi", thread_ts=sent.message.ts)
    driver.message("marketing", "bram", "@rita see above")
    assert recorder.events[2:] == [
        ("message", "<@U00BOT> hi", sent.message.ts),
        ("app_mention", "<@U00BOT> hi", sent.message.ts),
        ("message", "<@U01RITA> see above", None),
    ]
    # Where the bot is not a member, Slack sends neither.
    unheard = driver.message("random", "rita", "@mopsbot help")
    assert unheard.status == 0 and unheard.mention is None and len(recorder.events) == 5


def test_an_event_needs_its_subscription_and_its_scope() -> None:
    granted, subscribed = manifest_scopes(), manifest_events()
    assert {"app_mention", "message.channels", "app_home_opened"} <= subscribed
    assert receives("app_mention", granted)
    assert not receives("app_mention", granted - {"app_mentions:read"})
    assert not receives("app_mention", granted, subscribed - {"app_mention"})
    assert not receives("message.groups", granted)  # not subscribed: no private channels
    with SlackEmulator(scopes=granted - {"app_mentions:read"}) as emulator:
        recorder = Recorder(emulator)
        try:
            driver = SlackDriver(recorder.url, SECRET, emulator)
            sent = driver.message("marketing", "rita", "@mopsbot help")
            assert sent.mention is None
            assert [kind for kind, _, _ in recorder.events] == ["message"]
        finally:
            recorder.server.shutdown()
