"""The emulator is at least as strict as Slack: channel membership, the token's scopes, Block
Kit's documented limits, message size, and message events in Slack's encoding."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from werkzeug.serving import make_server

from bot.emulator import SlackDriver, SlackEmulator
from bot.emulator.scopes import manifest_scopes

SECRET = "test-signing-secret"


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as running:
        yield running


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(base_url=emulator.api_url, token=emulator.bot_token)


def _error(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as raised:
        call()
    return dict(raised.value.response.data)  # type: ignore[arg-type]


def test_the_bot_posts_only_where_it_was_invited(
    emulator: SlackEmulator, client: WebClient
) -> None:
    assert not emulator.is_member("random") and emulator.is_member("marketing")
    assert _error(lambda: client.chat_postMessage(channel="C04RANDOM", text="hi"))["error"] == (
        "not_in_channel"
    )
    assert _error(lambda: client.chat_postMessage(channel="C99NOPE", text="hi"))["error"] == (
        "channel_not_found"
    )
    assert client.conversations_info(channel="C04RANDOM")["channel"]["is_member"] is False
    assert "U00BOT" not in client.conversations_members(channel="C04RANDOM")["members"]
    posted = client.chat_postMessage(channel="C01MKTG", text="hello")
    emulator.remove("marketing")
    # chat.update documents no not_in_channel: its own message in a public channel still edits.
    client.chat_update(channel="C01MKTG", ts=posted["ts"], text="edited")
    assert _error(
        lambda: client.chat_postEphemeral(channel="C01MKTG", user="U01RITA", text="psst")
    )["error"] == ("not_in_channel")
    emulator.invite("random")
    client.chat_postMessage(channel="C04RANDOM", text="hi all")
    # Someone who is not in the channel can't be shown an ephemeral there.
    assert _error(lambda: client.chat_postEphemeral(channel="C03ESC", user="U01RITA", text="psst"))[
        "error"
    ] == ("user_not_in_channel")
    # A DM is always the bot's to post in.
    client.chat_postMessage(channel="U01RITA", text="a reminder")
    with pytest.raises(SlackApiError, match="posting_to_channel_denied"):
        client.files_upload_v2(channel="C01MKTG", content=b"png", filename="c.png", title="c")
    with pytest.raises(SlackApiError, match="invalid_channel"):
        client.files_upload_v2(channel="C99NOPE", content=b"png", filename="c.png", title="c")


def test_chat_write_public_lets_the_bot_post_in_public_channels_only() -> None:
    scopes = manifest_scopes() | {"chat:write.public"}
    with SlackEmulator(scopes=scopes) as emulator:
        client = WebClient(base_url=emulator.api_url, token=emulator.bot_token)
        client.chat_postMessage(channel="C04RANDOM", text="hi")
        assert [m.text for m in emulator.messages("random")] == ["hi"]
        # files are not covered by chat:write.public
        with pytest.raises(SlackApiError, match="posting_to_channel_denied"):
            client.files_upload_v2(channel="C04RANDOM", content=b"x", filename="a.txt", title="a")


def test_methods_need_the_scopes_the_manifest_grants() -> None:
    granted = manifest_scopes()
    assert {"chat:write", "commands", "usergroups:read", "im:write"} <= granted
    fewer = granted - {"chat:write", "im:write"}
    with SlackEmulator(scopes=fewer) as emulator:
        client = WebClient(base_url=emulator.api_url, token=emulator.bot_token)
        refused = _error(lambda: client.chat_postMessage(channel="C01MKTG", text="hi"))
        assert refused["error"] == "missing_scope" and refused["needed"] == "chat:write"
        assert set(refused["provided"].split(",")) == fewer
        assert emulator.messages("marketing") == []
        # A method without a scope of its own still works, and every answer names the scopes.
        response = client.auth_test()
        assert set(response.headers["X-OAuth-Scopes"].split(",")) == fewer
        assert _error(lambda: client.conversations_open(users="U01RITA"))["needed"] == "im:write"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _select(options: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "pick"},
        "accessory": {
            "type": "static_select",
            "action_id": "pick",
            "options": [
                {"text": {"type": "plain_text", "text": t}, "value": v} for t, v in options
            ],
        },
    }


@pytest.mark.parametrize(
    "blocks",
    [
        pytest.param([_section("x")] * 51, id="51 blocks"),
        pytest.param([_section("x" * 3001)], id="section text 3001"),
        pytest.param([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]),
        pytest.param([_select([("o" * 76, "1")])], id="option text 76"),
        pytest.param([_select([("o", "v" * 151)])], id="option value 151"),
        pytest.param([_select([(f"o{i}", str(i)) for i in range(101)])], id="101 options"),
        pytest.param(
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            id="field 2001",
        ),
        pytest.param(
            [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 3001}]}],
            id="context text 3001",
        ),
    ],
)
def test_block_kit_limits(client: WebClient, blocks: list[dict[str, Any]]) -> None:
    refused = _error(lambda: client.chat_postMessage(channel="C01MKTG", text="x", blocks=blocks))
    assert refused["error"] == "invalid_blocks", refused


def test_view_limits_and_message_length(emulator: SlackEmulator, client: WebClient) -> None:
    home = {"type": "home", "blocks": [_section("x")] * 101}
    assert _error(lambda: client.views_publish(user_id="U01RITA", view=home))["error"] == (
        "invalid_blocks"
    )
    client.views_publish(user_id="U01RITA", view={"type": "home", "blocks": [_section("x")] * 100})
    too_long = "x" * 40_001
    assert _error(lambda: client.chat_postMessage(channel="C01MKTG", text=too_long))["error"] == (
        "msg_too_long"
    )
    client.chat_postMessage(channel="C01MKTG", text="x" * 40_000)


class EventBot:
    """A real Bolt app over HTTP that records the message events it is sent."""

    def __init__(self, emulator: SlackEmulator) -> None:
        self.texts: list[str] = []
        app = App(
            signing_secret=SECRET,
            client=WebClient(base_url=emulator.api_url, token=emulator.bot_token),
            token_verification_enabled=False,
            process_before_response=True,
        )

        @app.event("message")
        def message(event):  # type: ignore[no-untyped-def]
            self.texts.append(event["text"])

        handler = SlackRequestHandler(app)
        self.server = make_server("127.0.0.1", 0, handler)  # type: ignore[arg-type]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/slack/events"


def test_message_events_arrive_encoded_and_only_from_the_bots_channels(
    emulator: SlackEmulator,
) -> None:
    bot = EventBot(emulator)
    try:
        driver = SlackDriver(bot.url, SECRET, emulator)
        typed = "@bram can #intake do R&D <3 for https://x.example/a?b=1&c=2 ?"
        sent = driver.message("intake", "rita", typed)
        assert sent.status == 200
        assert bot.texts == [
            "<@U02BRAM> can <#C02INTAKE|intake> do R&amp;D &lt;3 for "
            "<https://x.example/a?b=1&amp;c=2> ?"
        ]
        assert emulator.messages("intake")[0].text == bot.texts[0]  # history holds the same
        # Slack sends message.channels events only for channels the bot is in.
        unheard = driver.message("random", "rita", "anyone here?")
        assert unheard.status == 0 and unheard.message is not None
        assert len(bot.texts) == 1 and json.dumps(bot.texts).count("anyone") == 0
    finally:
        bot.server.shutdown()
