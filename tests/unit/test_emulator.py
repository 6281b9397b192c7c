"""The local Slack emulator: its Web API (through the real slack_sdk client), the signed-request
driver (against a real Bolt app over HTTP), the renderer and the scripted shell."""

from __future__ import annotations

import io
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from werkzeug.serving import make_server

from bot.emulator import Message, SlackDriver, SlackEmulator, response_url
from bot.emulator.conversation import Slack
from bot.emulator.render import Names, mrkdwn, render_message, render_view
from bot.emulator.scopes import MANIFEST, manifest_commands, manifest_scopes
from bot.emulator.shell import run_shell

SECRET = "test-signing-secret"
APPROVE = {
    "type": "actions",
    "block_id": "decide",
    "elements": [
        {
            "type": "button",
            "action_id": "approve",
            "text": {"type": "plain_text", "text": "Approve"},
            "value": "7:1",
            "style": "primary",
        },
        {
            "type": "button",
            "action_id": "changes",
            "text": {"type": "plain_text", "text": "Request changes"},
            "value": "7:1",
        },
    ],
}
FORM = {
    "type": "modal",
    "callback_id": "form",
    "title": {"type": "plain_text", "text": "New brief"},
    "submit": {"type": "plain_text", "text": "Create"},
    "private_metadata": "C01MKTG",
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "kind",
            "label": {"type": "plain_text", "text": "Kind"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": "Email"}, "value": "email"},
                    {"text": {"type": "plain_text", "text": "Social post"}, "value": "social"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "due",
            "optional": True,
            "label": {"type": "plain_text", "text": "Due"},
            "element": {"type": "datepicker", "action_id": "value"},
        },
    ],
}


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(commands=TinyBot.COMMANDS) as running:
        yield running


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return WebClient(base_url=emulator.api_url, token=emulator.bot_token)


def _error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


class TinyBot:
    """A real Bolt app over real HTTP, recording what its listeners were given."""

    COMMANDS = frozenset({"/echo", "/form"})  # its manifest's slash commands

    def __init__(self, emulator: SlackEmulator) -> None:
        self.seen: list[tuple[str, Any]] = []
        client = WebClient(base_url=emulator.api_url, token=emulator.bot_token)
        app = App(
            token=emulator.bot_token,
            signing_secret=SECRET,
            client=client,
            token_verification_enabled=False,
            process_before_response=True,
        )

        @app.command("/echo")
        def echo(ack, command):  # type: ignore[no-untyped-def]
            ack(f"you said {command['text']}")

        @app.command("/form")
        def form(ack, command, client):  # type: ignore[no-untyped-def]
            client.views_open(trigger_id=command["trigger_id"], view=FORM)
            ack()

        @app.view("form")
        def submitted(ack, view, body):  # type: ignore[no-untyped-def]
            self.seen.append(("view", view))
            if view["state"]["values"]["title"]["value"]["value"] == "bad":
                ack(response_action="errors", errors={"title": "Say more."})
                return
            ack()
            client.chat_postMessage(
                channel=view["private_metadata"],
                text="brief created",
                blocks=[
                    {
                        "type": "section",
                        "text": {"type": "mrkdwn", "text": f"New brief by <@{body['user']['id']}>"},
                    },
                    APPROVE,
                ],
            )

        @app.action("approve")
        def approve(ack, body, client):  # type: ignore[no-untyped-def]
            ack()
            self.seen.append(("action", body))
            client.chat_postMessage(
                channel=body["channel"]["id"],
                thread_ts=body["container"]["message_ts"],
                text=f"approved by <@{body['user']['id']}>",
            )

        @app.action(re.compile("^(refresh|pick)$"))
        def other_action(ack, body):  # type: ignore[no-untyped-def]
            ack()
            self.seen.append(("other", body))

        @app.event("message")
        def message(event, body, request):  # type: ignore[no-untyped-def]
            retry = request.headers.get("x-slack-retry-num")
            self.seen.append(("message", (event, body["event_id"], retry)))

        @app.event("file_deleted")
        def file_deleted(event):  # type: ignore[no-untyped-def]
            self.seen.append(("file_deleted", event))

        self.server = make_server("127.0.0.1", 0, SlackRequestHandler(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/slack/events"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def kinds(self, kind: str) -> list[Any]:
        return [value for k, value in self.seen if k == kind]


@pytest.fixture
def bot(emulator: SlackEmulator) -> Iterator[TinyBot]:
    tiny = TinyBot(emulator)
    yield tiny
    tiny.server.shutdown()
    tiny.server.server_close()


@pytest.fixture
def driver(bot: TinyBot, emulator: SlackEmulator) -> SlackDriver:
    return SlackDriver(bot.url, SECRET, emulator)


# -- the Web API ----------------------------------------------------------------------------
def test_messages_threads_updates_and_dms(emulator: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C01MKTG", text="brief", blocks=[APPROVE])
    assert parent["message"]["bot_id"] == "B00BOT"
    reply = client.chat_postMessage(channel="C01MKTG", text="first", thread_ts=parent["ts"])
    # Replying to a reply threads under the parent, as in Slack.
    client.chat_postMessage(channel="C01MKTG", text="second", thread_ts=reply["ts"])
    client.chat_update(channel="C01MKTG", ts=parent["ts"], text="brief (approved)")
    dm = client.chat_postMessage(channel="U02BRAM", text="your turn")
    ephemeral = client.chat_postEphemeral(channel="C01MKTG", user="U01RITA", text="psst")

    assert [m.text for m in emulator.thread("marketing", parent["ts"])] == [
        "brief (approved)",
        "first",
        "second",
    ]
    updated = emulator.message("C01MKTG", parent["ts"])
    assert updated is not None and updated.edited and updated.blocks[0]["block_id"] == "decide"
    assert [m.text for m in emulator.messages("marketing")] == ["brief (approved)"]
    assert dm["channel"] == "D02BRAM"  # a user id posts in the bot's DM with them
    assert emulator.ephemerals("rita")[0].ts == ephemeral["message_ts"]
    replies = client.conversations_replies(channel="C01MKTG", ts=parent["ts"])["messages"]
    assert replies[0]["reply_count"] == 2 and replies[2]["text"] == "second"
    assert (
        _error(lambda: client.chat_update(channel="C01MKTG", ts="1.000001", text="x")).response[
            "error"
        ]
        == "message_not_found"
    )
    assert (
        _error(lambda: client.chat_postMessage(channel="C99NOPE", text="x")).response["error"]
        == "channel_not_found"
    )
    assert [c.method for c in emulator.calls_to("chat.update")] == ["chat.update", "chat.update"]


def test_blocks_are_validated_like_slack(emulator: SlackEmulator, client: WebClient) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    too_many = _error(
        lambda: client.chat_postMessage(channel="C01MKTG", text="x", blocks=[section] * 51)
    )
    assert too_many.response["error"] == "invalid_blocks"
    long_button = {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 80}}
        ],
    }
    bad = _error(
        lambda: client.chat_postMessage(channel="C01MKTG", text="x", blocks=[section, long_button])
    )
    assert bad.response["error"] == "invalid_blocks"
    assert "/blocks/1" in bad.response["errors"][0] and "75" in bad.response["errors"][0]
    empty = {"type": "section", "text": {"type": "mrkdwn", "text": ""}}
    assert (
        _error(
            lambda: client.chat_postMessage(channel="C01MKTG", text="x", blocks=[empty])
        ).response["error"]
        == "invalid_blocks"
    )
    assert (
        _error(lambda: client.api_call("chat.postMessage", json={"channel": "C01MKTG"})).response[
            "error"
        ]
        == "no_text"
    )
    assert emulator.messages("marketing") == []
    client.chat_postMessage(channel="C01MKTG", text="x", blocks=[section] * 50)
    assert len(emulator.messages("marketing")) == 1


def test_auth_unknown_methods_and_injected_failures(
    emulator: SlackEmulator, client: WebClient
) -> None:
    stranger = WebClient(base_url=emulator.api_url, token="xoxb-wrong")
    assert _error(stranger.auth_test).response["error"] == "invalid_auth"
    assert _error(lambda: client.api_call("chat.nonsense")).response["error"] == "unknown_method"
    assert client.auth_test()["user_id"] == "U00BOT"

    emulator.fail_next("chat.postMessage", error="ratelimited", retry_after=7)
    limited = _error(lambda: client.chat_postMessage(channel="C01MKTG", text="x"))
    assert limited.response.status_code == 429 and limited.response.headers["Retry-After"] == "7"
    assert limited.response["error"] == "ratelimited"
    emulator.fail_next("chat.postMessage", status=503, times=2)
    for _ in range(2):
        assert (
            _error(
                lambda: client.chat_postMessage(channel="C01MKTG", text="x")
            ).response.status_code
            == 503
        )
    emulator.fail_next("chat.update", error="channel_not_found")
    assert (
        _error(lambda: client.chat_update(channel="C01MKTG", ts="1.1", text="x")).response["error"]
        == "channel_not_found"
    )
    client.chat_postMessage(channel="C01MKTG", text="through at last")
    assert [m.text for m in emulator.messages("marketing")] == ["through at last"]
    assert [(c.ok, c.error) for c in emulator.calls_to("chat.postMessage")] == [
        (False, "ratelimited"),
        (False, "http_503"),
        (False, "http_503"),
        (True, None),
    ]


def test_people_groups_and_channels(client: WebClient) -> None:
    bram = client.users_info(user="U02BRAM")["user"]
    amsterdam = datetime.now(UTC).astimezone(ZoneInfo("Europe/Amsterdam")).utcoffset()
    assert (bram["real_name"], bram["tz"], bram["profile"]["display_name"]) == (
        "Bram Brand",
        "Europe/Amsterdam",
        "bram",
    )
    assert amsterdam is not None and bram["tz_offset"] == amsterdam.total_seconds()
    assert _error(lambda: client.users_info(user="U99")).response["error"] == "user_not_found"
    assert client.usergroups_users_list(usergroup="S04TRIAGE")["users"] == ["U05SAM", "U04OMAR"]
    assert (
        _error(lambda: client.usergroups_users_list(usergroup="S99")).response["error"]
        == "no_such_subteam"
    )
    handles = {g["handle"] for g in client.usergroups_list()["usergroups"]}
    assert {"brand-team", "legal-team", "mops-admins", "triage", "design-team"} <= handles
    assert client.conversations_info(channel="C03ESC")["channel"]["name"] == "mops-escalations"
    assert "U00BOT" in client.conversations_members(channel="C02INTAKE")["members"]
    assert len(client.users_list()["members"]) == 6


def test_views_need_fresh_triggers_and_matching_hashes(
    emulator: SlackEmulator, client: WebClient
) -> None:
    trigger = emulator.issue_trigger_id("rita")
    view = client.views_open(trigger_id=trigger, view=FORM)["view"]
    assert emulator.current_view("rita")["id"] == view["id"]
    assert (
        _error(lambda: client.views_open(trigger_id=trigger, view=FORM)).response["error"]
        == "expired_trigger_id"
    )
    assert (
        _error(lambda: client.views_open(trigger_id="123.456.fake", view=FORM)).response["error"]
        == "invalid_trigger_id"
    )
    updated = client.views_update(
        view_id=view["id"], hash=view["hash"], view={**FORM, "private_metadata": "v2"}
    )["view"]
    assert updated["id"] == view["id"] and updated["hash"] != view["hash"]
    assert (
        _error(
            lambda: client.views_update(view_id=view["id"], hash=view["hash"], view=FORM)
        ).response["error"]
        == "hash_conflict"
    )
    pushed = client.views_push(trigger_id=emulator.issue_trigger_id("rita"), view=FORM)["view"]
    assert [v["id"] for v in emulator.views("rita")] == [view["id"], pushed["id"]]
    huge = {**FORM, "blocks": [{"type": "divider"}] * 101}
    assert (
        _error(
            lambda: client.views_open(trigger_id=emulator.issue_trigger_id("bram"), view=huge)
        ).response["error"]
        == "invalid_blocks"
    )
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    client.views_publish(user_id="U03LENA", view=home)
    assert emulator.home("lena")["blocks"][0]["text"]["text"] == "hi"


def test_files_upload_v2_keeps_bytes_and_title(emulator: SlackEmulator, client: WebClient) -> None:
    client.files_upload_v2(
        channel="C03ESC",
        content=b"week,briefs\n1,4\n",
        filename="flow.csv",
        title="Flow this week",
        initial_comment="Weekly flow",
    )
    [file] = emulator.files.values()
    assert (file.content, file.title, file.channel) == (
        b"week,briefs\n1,4\n",
        "Flow this week",
        "C03ESC",
    )
    [shared] = emulator.messages("mops-escalations")
    assert shared.text == "Weekly flow" and shared.files[0]["id"] == file.id


def test_response_url_posts_ephemerals_and_replaces_originals(
    emulator: SlackEmulator, client: WebClient
) -> None:
    original = client.chat_postMessage(channel="C01MKTG", text="pick one")

    def respond(body: dict[str, Any], message_ts: str | None = None) -> str:
        url = emulator.issue_response_url("C01MKTG", "U01RITA", message_ts=message_ts)
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            return answer.read().decode()

    assert respond({"text": "only you"}) == "ok"
    assert [m.text for m in emulator.ephemerals("rita")] == ["only you"]
    respond({"text": "picked", "replace_original": True}, message_ts=original["ts"])
    assert [m.text for m in emulator.messages("marketing")] == ["picked"]
    respond({"text": "for all", "response_type": "in_channel"})
    assert [m.text for m in emulator.messages("marketing")] == ["picked", "for all"]


def test_an_archived_channel_takes_no_posts_but_stays_readable(
    emulator: SlackEmulator, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C01MKTG", text="before")
    emulator.archive("marketing")
    assert client.conversations_info(channel="C01MKTG")["channel"]["is_archived"] is True
    for call in (
        lambda: client.chat_postMessage(channel="C01MKTG", text="after"),
        lambda: client.chat_update(channel="C01MKTG", ts=first["ts"], text="edited"),
        lambda: client.chat_postEphemeral(channel="C01MKTG", user="U01RITA", text="psst"),
    ):
        assert _error(call).response["error"] == "is_archived"
    history = client.conversations_history(channel="C01MKTG")["messages"]
    assert [m["text"] for m in history] == ["before"]
    with pytest.raises(ValueError, match="archived"):
        emulator.record_user_message("marketing", "rita", "anyone here?")
    emulator.unarchive("marketing")
    assert client.chat_postMessage(channel="C01MKTG", text="after")["ok"]


def test_a_response_url_takes_five_posts_within_thirty_minutes(emulator: SlackEmulator) -> None:
    ws = emulator.workspace

    def token() -> str:
        return emulator.issue_response_url("C01MKTG", "U01RITA").rsplit("/", 1)[1]

    five = token()
    for _ in range(response_url.MAX_USES):
        assert response_url.deliver(ws, five, {"text": "soon"}) == (200, "ok")
    assert response_url.deliver(ws, five, {"text": "sixth"}) == (404, "used_url")
    late = token()
    ws.response_urls[late]["issued"] -= response_url.LIFETIME + 1  # half an hour has passed
    assert response_url.deliver(ws, late, {"text": "late"}) == (404, "expired_url")
    assert [m.text for m in emulator.ephemerals("rita")] == ["soon"] * 5


# -- the driver against a real Bolt app -----------------------------------------------------
def test_command_ack_shows_as_ephemeral(emulator: SlackEmulator, driver: SlackDriver) -> None:
    result = driver.command("/echo hello there", "rita", "marketing")
    assert result.status == 200 and result.body == "you said hello there"
    assert result.ephemeral is not None and result.ephemeral.ephemeral_to == "U01RITA"
    assert [m.text for m in emulator.ephemerals("rita")] == ["you said hello there"]


def test_a_command_the_manifest_does_not_register_never_reaches_the_app(bot: TinyBot) -> None:
    """Slack's client refuses it itself: the app's /echo listener is never called."""
    with SlackEmulator(commands=frozenset({"/form"})) as emulator:
        result = SlackDriver(bot.url, SECRET, emulator).command("/echo hi", "rita", "marketing")
        shown = [m.text for m in emulator.ephemerals("rita")]
    assert result.status == 0 and result.ephemeral is not None
    assert result.ephemeral.text.startswith("/echo is not a valid command.")
    assert shown == [result.ephemeral.text]  # and no "you said hi"


def test_a_command_needs_the_commands_scope(bot: TinyBot) -> None:
    with SlackEmulator(
        scopes=manifest_scopes() - {"commands"}, commands=TinyBot.COMMANDS
    ) as emulator:
        result = SlackDriver(bot.url, SECRET, emulator).command("/echo hi", "rita", "marketing")
        shown = [m.text for m in emulator.ephemerals("rita")]
    assert result.status == 0 and len(shown) == 1 and "not a valid command" in shown[0]


def test_the_manifest_registers_the_commands_the_bot_listens_for() -> None:
    assert manifest_commands() == {"/brief", "/mops"}


def test_a_manifest_asking_slack_to_escape_command_text_is_refused(tmp_path: Path) -> None:
    """The emulator sends a command's text as typed (`should_escape: false`): a manifest that
    asks for Slack's escaped form would be tested against text Slack would not send."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    manifest["features"]["slash_commands"][0]["should_escape"] = True
    changed = tmp_path / "manifest.yaml"
    changed.write_text(yaml.safe_dump(manifest), encoding="utf-8")
    with pytest.raises(ValueError, match="/brief"):
        manifest_commands(changed)


def test_forged_and_stale_requests_are_refused(
    emulator: SlackEmulator, driver: SlackDriver
) -> None:
    assert driver.command("/echo hi", "rita", "marketing", bad_signature=True).status == 401
    assert driver.command("/echo hi", "rita", "marketing", stale=True).status == 401
    assert emulator.ephemerals("rita")[-1].text == '/echo failed with the error "dispatch_failed"'
    assert not [m for m in emulator.ephemerals("rita") if "you said" in m.text]


def test_a_click_reaches_the_listener(
    emulator: SlackEmulator, client: WebClient, driver: SlackDriver, bot: TinyBot
) -> None:
    posted = client.chat_postMessage(channel="C01MKTG", text="brief", blocks=[APPROVE])
    message = emulator.message("C01MKTG", posted["ts"])
    assert message is not None
    since = emulator.seq
    assert driver.click(message, "Approve", "bram").status == 200
    [body] = bot.kinds("action")
    assert body["actions"][0]["value"] == "7:1" and body["user"]["username"] == "bram"
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C01MKTG",
        "is_ephemeral": False,
    }
    reply = emulator.wait_for_message("approved by @bram", "marketing", since=since)
    assert reply.thread_ts == posted["ts"]


def test_modal_errors_keep_it_open_until_fixed(
    emulator: SlackEmulator, driver: SlackDriver, bot: TinyBot
) -> None:
    assert driver.command("/form", "rita", "marketing").status == 200
    assert emulator.current_view("rita")["callback_id"] == "form"

    missing = driver.submit_view("rita", {"Title": "Launch"})  # Kind is required
    assert (missing.status, missing.errors) == (0, {"kind": "Please fill out this field."})
    assert bot.kinds("view") == []

    refused = driver.submit_view("rita", {"title": "bad", "Kind": "Social post"})
    assert refused.errors == {"title": "Say more."}
    assert emulator.current_view("rita") is not None
    state = bot.kinds("view")[0]["state"]["values"]
    assert state["kind"]["value"]["selected_option"]["value"] == "social"
    assert state["due"]["value"] == {"type": "datepicker", "selected_date": None}

    accepted = driver.submit_view("rita", {"title": "Spring launch", "due": "2025-03-01"})
    assert accepted.ok and emulator.current_view("rita") is None
    values = bot.kinds("view")[1]["state"]["values"]
    assert values["kind"]["value"]["selected_option"]["value"] == "social"  # kept from before
    assert values["due"]["value"]["selected_date"] == "2025-03-01"


def test_events_carry_retry_headers(
    emulator: SlackEmulator, driver: SlackDriver, bot: TinyBot
) -> None:
    first = driver.message("intake", "sam", "need a banner")
    assert first.status == 200 and first.message is not None
    again = driver.redeliver(retry_num=2)
    assert again.status == 200
    driver.event(
        {
            "type": "message",
            "channel": "C02INTAKE",
            "user": "U05SAM",
            "text": "again",
            "ts": first.message.ts,
        },
        event_id="Ev1",
        retry_num=1,
    )
    (event, event_id, retry), (_, same_id, redelivered), (_, new_id, retried) = bot.kinds("message")
    assert (event["channel_type"], event["text"], retry) == ("channel", "need a banner", None)
    assert (same_id, redelivered) == (event_id, ["2"])
    assert (new_id, retried) == ("Ev1", ["1"])
    assert emulator.messages("intake")[0].user == "U05SAM"
    assert driver.url_verification("abc123").body == {"challenge": "abc123"}


def test_edits_and_deletions_reach_the_app_as_slack_sends_them(
    emulator: SlackEmulator, driver: SlackDriver, bot: TinyBot
) -> None:
    alone = driver.message("intake", "sam", "need a banner").message
    threaded = driver.message("intake", "rita", "need a logo").message
    assert alone is not None and threaded is not None
    driver.message("intake", "bram", "on it", thread_ts=threaded.ts)
    with pytest.raises(ValueError, match="author"):
        driver.delete_message("intake", "bram", alone.ts)  # not his
    assert driver.edit_message("intake", "sam", alone.ts, "need a banner for @rita").ok
    assert driver.delete_message("intake", "sam", alone.ts).ok
    assert driver.delete_message("intake", "rita", threaded.ts).ok
    edited, deleted, tombstoned = (event for event, _, _ in bot.kinds("message")[3:])
    assert edited["subtype"] == "message_changed" and edited["hidden"] is True
    assert edited["message"]["text"] == "need a banner for <@U01RITA>"
    assert edited["previous_message"]["text"] == "need a banner"
    assert edited["message"]["ts"] == alone.ts and edited["ts"] != alone.ts
    assert (deleted["subtype"], deleted["deleted_ts"]) == ("message_deleted", alone.ts)
    assert deleted["previous_message"]["user"] == "U05SAM"
    # A thread's parent stays as a tombstone for its replies: a change, not a deletion.
    assert tombstoned["subtype"] == "message_changed"
    assert tombstoned["message"]["subtype"] == "tombstone"
    assert tombstoned["message"]["ts"] == threaded.ts
    assert tombstoned["previous_message"]["user"] == "U01RITA"
    assert [m.text for m in emulator.messages("intake")] == ["This message was deleted."]
    assert [m.text for m in emulator.thread("intake", threaded.ts)][1:] == ["on it"]


def test_a_deleted_file_leaves_a_tombstone_and_reaches_the_app(
    emulator: SlackEmulator, client: WebClient, driver: SlackDriver, bot: TinyBot
) -> None:
    parent = driver.message("marketing", "rita", "brief").message
    assert parent is not None
    shared = driver.share_file(
        "marketing", "rita", "hero.png", b"not really a png", thread_ts=parent.ts, text="draft"
    ).message
    assert shared is not None
    file_id = shared.files[0]["id"]
    with pytest.raises(ValueError, match="only the person who shared"):
        driver.delete_file("bram", file_id)
    assert driver.delete_file("rita", file_id).ok
    with pytest.raises(KeyError):
        driver.delete_file("rita", file_id)  # gone already
    (deleted,) = bot.kinds("file_deleted")
    assert deleted == {
        "type": "file_deleted",
        "file_id": file_id,
        "channel_ids": ["C01MKTG"],
        "event_ts": deleted["event_ts"],
    }
    changed = bot.kinds("message")[-1][0]
    assert changed["subtype"] == "message_changed"
    assert changed["message"]["files"] == [{"id": file_id, "mode": "tombstone"}]
    assert changed["previous_message"]["files"][0]["name"] == "hero.png"
    kept = emulator.message("marketing", shared.ts)
    assert kept is not None and kept.text == "draft"  # the words stay; the file does not
    with pytest.raises(SlackApiError) as info:
        client.files_info(file=file_id)
    assert info.value.response["error"] == "file_deleted"
    url = shared.files[0]["url_private_download"]
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {emulator.bot_token}"})
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(request)


def test_file_deleted_needs_its_subscription_and_files_read(bot: TinyBot) -> None:
    with SlackEmulator(
        scopes=manifest_scopes() - {"files:read"}, commands=TinyBot.COMMANDS
    ) as emulator:
        driver = SlackDriver(bot.url, SECRET, emulator)
        shared = driver.share_file("marketing", "rita", "a.txt", b"a").message
        assert shared is not None
        assert driver.delete_file("rita", shared.files[0]["id"]).status == 0
    assert bot.kinds("file_deleted") == []


def test_conversation_reads_like_a_chat(emulator: SlackEmulator, driver: SlackDriver) -> None:
    slack = Slack(emulator, driver)
    slack.command("/form", as_user="rita", channel="marketing")
    assert slack.view_of("rita")["title"]["text"] == "New brief"
    assert slack.submit({"Title": "Launch", "Kind": "email"}, as_user="rita").ok
    brief = slack.wait_for_message("New brief by @rita", channel="marketing")
    slack.click("Approve", as_user="bram")  # the newest message with such a button
    reply = slack.wait_for_message("approved by @bram", channel="marketing")
    assert slack.thread(brief).messages == [brief, reply]
    with pytest.raises(TimeoutError, match="a message in marketing matching 'never said'"):
        slack.wait_for_message("never said", channel="marketing", timeout=0.2)


def test_home_tab_clicks_and_menu_picks(
    emulator: SlackEmulator, client: WebClient, driver: SlackDriver, bot: TinyBot
) -> None:
    refresh = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "refresh",
                "text": {"type": "plain_text", "text": "Refresh"},
            }
        ],
    }
    client.views_publish(user_id="U04OMAR", view={"type": "home", "blocks": [refresh]})
    home = emulator.home("omar")
    driver.click(home, "Refresh", "omar")
    menu = {
        "type": "section",
        "block_id": "route",
        "text": {"type": "mrkdwn", "text": "Route to"},
        "accessory": {
            "type": "static_select",
            "action_id": "pick",
            "options": [
                {"text": {"type": "plain_text", "text": "Brand"}, "value": "S01BRAND"},
                {"text": {"type": "plain_text", "text": "Legal"}, "value": "S02LEGAL"},
            ],
        },
    }
    posted = client.chat_postMessage(channel="C02INTAKE", text="route?", blocks=[menu])
    driver.select(emulator.message("intake", posted["ts"]), "pick", "Legal", "sam")
    clicked, picked = bot.kinds("other")
    assert clicked["container"] == {"type": "view", "view_id": home["id"]}
    assert clicked["view"]["type"] == "home" and "channel" not in clicked
    action = picked["actions"][0]
    assert (action["type"], action["block_id"]) == ("static_select", "route")
    assert action["selected_option"]["value"] == "S02LEGAL"
    with pytest.raises(LookupError, match="no element matches 'Approve'"):
        driver.click(home, "Approve", "omar")


# -- rendering and the shell ----------------------------------------------------------------
def shell_transcript(emulator: SlackEmulator, bot: TinyBot, lines: list[str]) -> str:
    """What `mopsbot shell` prints for `lines` typed, one by one."""
    out = io.StringIO()
    typed = io.StringIO("\n".join(lines))
    run_shell(bot.url, SECRET, emulator, stdin=typed, stdout=out, quiet=0.15)
    return out.getvalue()


def test_the_shell_deletes_your_own_messages(emulator: SlackEmulator, bot: TinyBot) -> None:
    script = [
        "hello there",
        "show",
        "thread 1",
        "a reply",
        "edit last the reply, edited",
        "delete last",  # the reply, in the open thread
        "back",
        "as sam",
        "show",
        "delete 1",  # rita's, not his
        "as rita",
        "delete 1",
        "delete last",  # nothing of hers is left
        "quit",
    ]
    text = shell_transcript(emulator, bot, script)
    assert "! only its author can change or delete a message" in text
    assert "! you have no message here" in text
    assert "rita: (edited)\n  the reply, edited" in text
    assert emulator.messages("marketing") == []  # the parent went whole: no reply was left
    deleted = [e for kind, (e, _, _) in bot.seen if kind == "message" and e.get("deleted_ts")]
    assert len(deleted) == 2
    [edited] = [e for kind, (e, _, _) in bot.seen if e.get("subtype") == "message_changed"]
    assert edited["message"]["text"] == "the reply, edited"


def test_the_shell_deletes_the_file_you_shared(
    emulator: SlackEmulator, bot: TinyBot, tmp_path: Path
) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("first cut")
    script = [
        f"upload {draft} the first cut",
        "show",
        "as sam",
        "delete file 1",  # rita's, not his
        "as rita",
        "delete file 1",
        "delete file 1",  # nothing left to delete
        "quit",
    ]
    text = shell_transcript(emulator, bot, script)
    assert "! only the person who shared a file can delete it" in text
    assert "! that message shares no file" in text
    assert text.count("[This file was deleted.]") >= 1
    [kept] = emulator.messages("marketing")
    assert kept.text == "the first cut"  # the message stays
    assert len(bot.kinds("file_deleted")) == 1


def test_a_deleted_parent_is_drawn_without_an_author() -> None:
    tombstone = Message(
        channel="C01MKTG",
        ts="1.1",
        user="USLACKBOT",
        text="This message was deleted.",
        subtype="tombstone",
    )
    assert render_message(tombstone, Names.of()).lines == ["", "  This message was deleted."]


def test_render_message_and_modal() -> None:
    names = Names.of()
    assert (
        mrkdwn("<@U02BRAM> <!subteam^S01BRAND> <#C01MKTG> <https://x.io|docs> &lt;b&gt;", names)
        == "@bram @brand-team #marketing docs (https://x.io) <b>"
    )
    message = Message(
        channel="C01MKTG",
        ts="1.1",
        user="U00BOT",
        bot_id="B00BOT",
        blocks=[
            {"type": "header", "text": {"type": "plain_text", "text": "Brief #7"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Owner* <@U01RITA>"},
                    {"type": "mrkdwn", "text": "*Due* Friday"},
                ],
            },
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "waiting on <!subteam^S02LEGAL>"}],
            },
            {"type": "divider"},
            APPROVE,
        ],
    )
    rendered = render_message(message, names, start=3, replies=2)
    assert rendered.lines == [
        "mopsbot:",
        "  # Brief #7",
        "    *Owner* @rita  |  *Due* Friday",
        "    waiting on @legal-team",
        "  " + "-" * 40,
        "  [3] Approve  [4] Request changes",
        "  [2 replies in thread]",
    ]
    assert [(a.number, a.action_id, a.value) for a in rendered.actions] == [
        (3, "approve", "7:1"),
        (4, "changes", "7:1"),
    ]
    modal = render_view(FORM, names)
    assert modal.lines[0] == "=== New brief ===" and modal.lines[-1] == "[submit: Create]"
    assert "Kind (static_select, required)" in modal.lines and "    2) Social post" in modal.lines
    assert [(f.block_id, f.optional) for f in modal.inputs] == [
        ("title", False),
        ("kind", False),
        ("due", True),
    ]


def test_scripted_shell_session(emulator: SlackEmulator, bot: TinyBot) -> None:
    script = (
        "\n".join(
            [
                "/echo hi",
                "/form",
                "bad",
                "2",
                "",
                "better",
                "show",
                "as bram",
                "click 1",
                "thread 1",
                "users",
                "channel nowhere",
                "quit",
            ]
        )
        + "\n"
    )
    out = io.StringIO()
    started = time.monotonic()
    assert (
        run_shell(bot.url, SECRET, emulator, stdin=io.StringIO(script), stdout=out, quiet=0.15) == 0
    )
    text = out.getvalue()
    assert time.monotonic() - started < 15
    assert "mopsbot shell: you are @rita in #marketing" in text
    assert "mopsbot: (only visible to you)\n  you said hi" in text
    assert "=== New brief ===" in text and "    2) Social post" in text
    assert "! Title: Say more." in text  # the bot refused; only Title is asked again
    assert text.count("Kind (required)") == 1
    assert "(1) mopsbot:\n  New brief by @rita\n  [1] Approve  [2] Request changes" in text
    assert "in thread (1) mopsbot:\n  approved by @bram" in text
    assert "--- thread in #marketing ---" in text
    assert "@sam    Sam Social" in text
    assert "! no channel 'nowhere'" in text
    assert [c.method for c in emulator.calls if c.method.startswith("views")] == ["views.open"]
