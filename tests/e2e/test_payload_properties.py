"""Property tests of what the bot does with signed deliveries: slash commands, clicks, modal
submissions, events and the kinds of payload it has no listener for.

Signed by the emulator's driver (the point is the payload). A brief waits at its first stage
(Brand) for @brand-team; the people acting are ones who may not decide it: Lena (legal), and a
user id the workspace does not know. Whatever they send (unknown action ids, malformed or
forged button values, private_metadata rewritten, other people's ids in payload fields, 100 KB
of text, control characters and unusual Unicode), Slack gets a 4xx or a normal answer, the
person at most an ephemeral (or their Home tab drawn again), no domain row changes, and the
request writes exactly one log line without a traceback.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.app.local import LocalBot
from bot.briefs.forms import ELEMENT_ID, REASON_BLOCK
from bot.briefs.workflow import Action
from bot.emulator import Message
from bot.slack.actions import ActionId, ViewId
from bot.storage.database import Database
from tests.support.briefs import new_brief, outbox_drained
from tests.support.properties import (
    domain_rows,
    newest_outbox_id,
    one_line_about_it,
    only_answers_to,
    quiet_bot,
    request_lines,
)
from tests.support.waiting import eventually

FORGED = "U0FORGED99"  # a user id the workspace does not know
ODD = ["\u200f", "\u200b", "\u202e", "\ufeff", "\U0001f680", "\x1b", "\t", "\n"]
odd_text = st.text(
    st.one_of(st.characters(codec="utf-8", exclude_characters="\x00"), st.sampled_from(ODD)),
    max_size=40,
)
odd_text = odd_text | odd_text.map(lambda t: t + " <!channel> <@U04OMAR>")
# 100 KB of one character, written as a marker so that a failing example prints short.
BIG = {f"<100KB {c!r}>": c * 100_000 for c in ["x", "é", "\U0001f680", "\u200f"]}
big_text = st.sampled_from(sorted(BIG))


def expand(text: str) -> str:
    for marker, big in BIG.items():
        text = text.replace(marker, big)
    return text


some_text = odd_text | big_text
user_ids = st.sampled_from(["U01RITA", "U02BRAM", "U04OMAR", FORGED, "UXXXXXXXX", "W0123456"])
# Button values: the formats of the bot's codecs, filled with the wrong things.
numbers = st.one_of(
    st.integers(-3, 4).map(str),
    st.sampled_from(["0", "2147483648", "99999999999", "１", "1.0", " 1", "0x1"]),
)
button_values = st.one_of(
    st.none(),
    odd_text,
    big_text,
    st.builds(lambda a, b: f"{a}:{b}", numbers, numbers),
    st.builds(lambda a, b: f"{a}:{b}", numbers, odd_text),
    st.builds(
        lambda a, b, c, u: f"{a}:{b}:{c}:{u}",
        numbers,
        numbers,
        st.sampled_from([*Action, "x"]),
        user_ids,
    ),
)
action_ids = st.one_of(
    st.sampled_from([a.value for a in ActionId]),
    st.integers(0, 12).map(ActionId.INTAKE_PICK.numbered),
    odd_text,
)


@pytest.fixture
def local(db: Database) -> Iterator[LocalBot]:
    with quiet_bot(db) as running:
        yield running


@pytest.fixture
def parent(local: LocalBot) -> Message:
    """Rita's brief, waiting on @brand-team at its first stage; every answer delivered."""
    message = new_brief(local)
    eventually(lambda: outbox_drained(local), "the outbox drained")
    return message


def as_user(payload: dict[str, Any], user: str) -> dict[str, Any]:
    """The payload as Slack would sign it for `user` (one the emulator may not know)."""
    payload["user"]["id"] = user
    return payload


def check_refused(local: LocalBot, send: Any, user: str) -> Any:
    before, outbox_from = domain_rows(local), newest_outbox_id(local)
    with request_lines() as lines:
        result = send()
    assert result.status in (200, 400, 404, 413), (result.status, result.text)
    one_line_about_it(lines.take())
    assert domain_rows(local) == before
    only_answers_to(local, outbox_from, user)
    return result


# -- slash commands --------------------------------------------------------------------------

BRIEF_WORDS = [
    "new",
    "list",
    "show",
    "cancel",
    "reopen",
    "schedule",
    "live",
    "assign",
    "override",
    "help",
    "mine",
    "all",
]
# /mops subcommands that would change a setting with good words are given bad ones here.
MOPS_WORDS = [
    "stats",
    "forecast",
    "scorecard",
    "goals",
    "lint",
    "policy",
    "intake",
    "health",
    "experiment",
    "help",
    "digest",
    "away",
]
ids_or_junk = st.one_of(numbers, odd_text)


@given(
    command=st.sampled_from(["/brief", "/mops"]),
    words=st.lists(
        st.one_of(st.sampled_from(BRIEF_WORDS + MOPS_WORDS), ids_or_junk, big_text), max_size=4
    ),
    user=st.sampled_from(["lena", "bram", FORGED]),
)
@example(command="/mops", words=["lint", "our", "payload", "is", "heavy"], user="lena")
@example(command="/brief", words=["<100KB 'x'>"], user="lena")  # was echoed back whole
@example(command="/mops", words=["digest", "time", "25:99"], user="lena")
@example(command="/mops", words=["away", "until", "2027-02-30"], user=FORGED)
def test_a_command_with_any_words_is_answered_and_changes_nothing(
    local: LocalBot, parent: Message, command: str, words: list[str], user: str
) -> None:
    if command == "/mops" and words and words[0] in ("digest", "away", "policy"):
        words = [words[0], "nonsense", *words[1:]]  # good words would change a setting
    line = expand(f"{command} {' '.join(words)}")
    fields = local.driver.command_fields(line, "lena", "marketing")
    fields["user_id"] = FORGED if user == FORGED else local.emulator.user(user).id
    body = urllib.parse.urlencode(fields)
    result = check_refused(
        local,
        lambda: local.driver.post(body, "application/x-www-form-urlencoded"),
        fields["user_id"],
    )
    assert result.status == 200
    if result.body:  # the ack is the answer: an ephemeral with words in it
        assert isinstance(result.body, dict) and result.body.get("text"), result.body
        assert len(result.body["text"]) <= 40_000  # Slack's limit for a message's text


# -- clicks ------------------------------------------------------------------------------------


@given(
    action_id=action_ids,
    value=button_values,
    user=st.sampled_from(["lena", "rita", FORGED]),
    where=st.sampled_from(["thread", "home", "dm"]),
    other=user_ids,
)
@example(
    action_id=ActionId.REMINDER_SNOOZE_1H.value,
    value="1:1",
    user="lena",
    where="dm",
    other="U02BRAM",
)
@example(
    action_id=ActionId.BRIEF_APPROVE.value, value="1:1", user="rita", where="home", other="U02BRAM"
)
@example(
    action_id=ActionId.BRIEF_CONFIRM_ADVANCE.value,
    value="1:1:schedule:U01RITA",
    user="lena",
    where="thread",
    other="U01RITA",
)
@example(
    action_id=ActionId.INTAKE_RELABEL.value,
    value="<100KB 'x'>",
    user=FORGED,
    where="thread",
    other="U01RITA",
)
def test_a_click_by_someone_who_may_not_decide_changes_nothing(
    local: LocalBot,
    parent: Message,
    action_id: str,
    value: str | None,
    user: str,
    where: str,
    other: str,
) -> None:
    """Any button id, any value (another brief, another version, someone else's id in it), from
    the thread, the Home tab or a DM, by people who may not decide the waiting stage."""
    entry: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "block_id": "b",
        "action_ts": local.emulator.workspace.next_ts(),
        "text": {"type": "plain_text", "text": "Press"},
    }
    if value is not None:
        entry["value"] = expand(value)
    clicker = "lena" if user == FORGED else user
    if where == "home":
        target: Message | dict[str, Any] = {"id": "V0HOME", "type": "home", "blocks": []}
    elif where == "dm":
        target = Message(
            channel=local.emulator.seed.dm_for(local.emulator.user(clicker).id).id,
            ts="1700000000.000200",
            user=local.emulator.seed.bot.id,
            text="a reminder",
            blocks=[],
        )
    else:
        target = parent
    payload = as_user(
        local.driver.click_payload(target, clicker, entry),
        FORGED if user == FORGED else local.emulator.user(user).id,
    )
    payload.setdefault("message", {})["user"] = other  # someone else's id where it isn't the actor
    check_refused(local, lambda: local.driver.send_payload(payload), payload["user"]["id"])


# -- modals ------------------------------------------------------------------------------------

metadata = st.one_of(
    odd_text,
    st.just("null"),
    st.just("[1]"),
    st.fixed_dictionaries(
        {},
        optional={
            "brief_id": st.one_of(
                st.integers(-1, 3), odd_text, st.none(), st.lists(st.integers(), max_size=1)
            ),
            "version": st.one_of(st.integers(-1, 3), odd_text),
            "action": st.one_of(st.sampled_from([a.value for a in Action]), odd_text),
            "channel_id": st.one_of(
                st.sampled_from(["C01MKTG", "C04RANDOM", "D01RITA", "C0NOPE"]), odd_text, big_text
            ),
            "request_id": st.one_of(st.integers(-1, 3), odd_text),
            "channel": st.one_of(st.sampled_from(["C01MKTG", "C04RANDOM"]), odd_text),
            "intake_request": st.one_of(st.integers(-1, 3), odd_text),
            "experiment_id": st.one_of(st.integers(-1, 3), odd_text),
            "from": st.one_of(st.just("home"), odd_text),
            "requester_id": user_ids,
        },
    ).map(json.dumps),
)


FIELDS = ["title", "objective", "audience", "main_channel", "launch_date", "budget"]
FIELDS += ["hypothesis", "arms", "goals", REASON_BLOCK, "label"]


def _state(field: str, text: str) -> dict[str, Any]:
    """Every field the bot's modals have: `field` holds `text` (100 KB, nothing, odd
    characters), the others a word no form takes as a date, a number or a plan."""
    return {
        name: {ELEMENT_ID: {"type": "plain_text_input", "value": text if name == field else "ok"}}
        for name in FIELDS
    }


@given(
    callback_id=st.one_of(st.sampled_from([v.value for v in ViewId]), odd_text),
    private_metadata=metadata,
    field=st.sampled_from(FIELDS),
    text=st.one_of(big_text, st.just(""), odd_text.map(lambda t: t + "x" * 201)),
    user=st.sampled_from(["lena", FORGED]),
)
@example(
    callback_id=ViewId.BRIEF_REASON.value,
    private_metadata=json.dumps({"brief_id": 1, "version": 1, "action": "schedule"}),
    field=REASON_BLOCK,
    text="x" * 201,
    user="lena",
)
@example(
    callback_id=ViewId.BRIEF_REASON.value,
    private_metadata=json.dumps({"brief_id": "one", "version": 1, "action": "approve"}),
    field=REASON_BLOCK,
    text="x" * 201,
    user="lena",
)
@example(
    callback_id=ViewId.BRIEF_REASON.value,
    private_metadata="[1]",
    field=REASON_BLOCK,
    text="x" * 201,
    user="lena",
)
@example(
    callback_id=ViewId.INTAKE_RELABEL.value,
    private_metadata=json.dumps({"request_id": "x"}),
    field=REASON_BLOCK,
    text="x" * 201,
    user="lena",
)
@example(
    callback_id=ViewId.BRIEF_EDIT.value,
    private_metadata=json.dumps({"brief_id": 1, "channel_id": "C04RANDOM"}),
    field=REASON_BLOCK,
    text="x" * 201,
    user="lena",
)
def test_a_modal_with_rewritten_metadata_changes_nothing(
    local: LocalBot,
    parent: Message,
    callback_id: str,
    private_metadata: str,
    field: str,
    text: str,
    user: str,
) -> None:
    view = {
        "id": f"V{local.emulator.workspace.next_id('V', 8)}",
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": expand(private_metadata),
        "hash": "1700000000.abc",
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "element": {"type": "plain_text_input", "action_id": ELEMENT_ID},
                "label": {"type": "plain_text", "text": "Title"},
            }
        ],
        "state": {"values": _state(field, expand(text))},
    }
    payload = as_user(
        local.driver.submission_payload("lena", view), FORGED if user == FORGED else "U03LENA"
    )
    result = check_refused(local, lambda: local.driver.send_payload(payload), payload["user"]["id"])
    if result.status == 200 and isinstance(result.body, dict) and result.body:
        assert result.body.get("response_action") in ("errors", "clear", "update", "push"), (
            result.body
        )


# -- events and payloads nobody listens for -------------------------------------------------------


@given(
    event_type=st.sampled_from(
        ["message", "app_mention", "app_home_opened", "reaction_added", "file_shared"]
    ),
    text=some_text,
    user=user_ids,
    channel=st.sampled_from(["C01MKTG", "C04RANDOM", "D01RITA", "C0NOPE"]),
    thread_ts=st.one_of(st.none(), st.just("1700000000.000100")),
    subtype=st.one_of(st.none(), st.sampled_from(["file_share", "bot_message", "message_changed"])),
)
def test_an_event_outside_the_intake_channels_stores_nothing(
    local: LocalBot,
    parent: Message,
    event_type: str,
    text: str,
    user: str,
    channel: str,
    thread_ts: str | None,
    subtype: str | None,
) -> None:
    event: dict[str, Any] = {
        "type": event_type,
        "user": user,
        "text": expand(text),
        "channel": channel,
        "ts": local.emulator.workspace.next_ts(),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if subtype:
        event["subtype"] = subtype
        event["files"] = [
            {"id": "F0NOPE", "name": "x.csv", "url_private_download": "http://127.0.0.1:9/x"}
        ]
    check_refused(local, lambda: local.driver.event(event), user)


@given(
    kind=st.sampled_from(
        [
            "block_suggestion",
            "shortcut",
            "message_action",
            "view_closed",
            "interactive_message",
            "dialog_submission",
            "workflow_step_edit",
        ]
    ),
    callback_id=st.one_of(st.sampled_from([v.value for v in ViewId]), odd_text),
)
def test_a_kind_of_payload_the_bot_has_no_listener_for_is_a_404(
    local: LocalBot, kind: str, callback_id: str
) -> None:
    """The bot declares no options loads, shortcuts or dialogs: no rows, one line."""
    payload: dict[str, Any] = {
        **local.driver.click_payload(
            {"id": "V0X", "type": "modal"}, "lena", {"action_id": callback_id}
        ),
        "type": kind,
        "callback_id": callback_id,
        "action_id": callback_id,
        "value": callback_id,
    }
    payload["view"] = {
        "id": "V0X",
        "type": "modal",
        "callback_id": callback_id,
        "state": {"values": {}},
    }
    result = check_refused(local, lambda: local.driver.send_payload(payload), "U03LENA")
    # 404 mostly; 400 for a kind whose required parts are missing; 200 when a legacy kind's
    # callback_id is one of the bot's action ids (Bolt matches those too): then the click's
    # own checks answer, and check_refused saw that nothing changed.
    assert result.status in (200, 400, 404)
