"""Authorization comes from the signed request's user and the policy, never from what the client
sends back: button values, a modal's private_metadata, other user ids in the payload. Each
tamper below is refused, or does no more than the signed person may do anyway.

Slack signs what the person's client sends; these tests sign the tampered payload the same way
(the emulator's driver), as a compromised client or a replaying proxy with the secret would.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app.local import LocalBot
from bot.briefs.forms import REASON_BLOCK
from bot.briefs.models import Brief
from bot.sla.models import Reminder
from bot.slack.actions import OUTDATED_FORM, ActionId
from bot.storage.database import Database
from tests.support.briefs import (
    form_values,
    give_reason,
    new_brief,
    outbox_drained,
    shows_button,
    wait_state,
)
from tests.support.properties import domain_rows, quiet_bot
from tests.support.waiting import eventually


@pytest.fixture
def local(db: Database) -> Iterator[LocalBot]:
    with quiet_bot(db) as running:
        yield running


def settled(local: LocalBot) -> dict[str, list[str]]:
    eventually(lambda: outbox_drained(local), "the outbox drained")
    return domain_rows(local)


def reason_view(local: LocalBot, user: str, button: str, parent: Any) -> dict[str, Any]:
    """The reason modal `user` opened with `button`, as their client holds it."""
    local.slack.click(button, as_user=user, message=shows_button(local, parent, button))
    view = local.slack.view_of(user)
    assert view is not None, "a reason modal should open"
    return view


def submit(local: LocalBot, user: str, view: dict[str, Any], meta: dict[str, Any]) -> Any:
    tampered = {**copy.deepcopy(view), "private_metadata": json.dumps(meta)}
    return local.driver.submit_view(user, {REASON_BLOCK: "Because"}, view=tampered)


def test_a_reason_form_rewritten_to_another_action_is_refused(local: LocalBot) -> None:
    """Bram may request changes at Brand. His form rewritten to cancel the brief (the
    requester's or an ops admin's right), to schedule it, or to approve it from the form that
    asks why, changes nothing; the last two keep the form open with why."""
    parent = new_brief(local)
    view = reason_view(local, "bram", "Request changes", parent)
    meta = json.loads(view["private_metadata"])
    before = settled(local)

    submit(local, "bram", view, {**meta, "action": "cancel"})
    refusal = local.slack.wait_for_message(
        lambda m: m.ephemeral_to == "U02BRAM" and "cancel" in m.text.lower(), ephemeral=True
    )
    assert "nothing" in refusal.text.lower() or "only" in refusal.text.lower(), refusal.text
    for action in ("schedule", "approve", "go_live", 5):
        result = submit(local, "bram", view, {**meta, "action": action})
        assert result.status == 200 and result.errors == {REASON_BLOCK: OUTDATED_FORM}
    assert settled(local) == before


def test_a_reason_form_moved_to_a_brief_the_sender_may_not_decide_is_refused(
    local: LocalBot,
) -> None:
    """Bram's form pointed at Rita's second brief, which waits on Legal: refused, both unchanged."""
    first = new_brief(local)
    view = reason_view(local, "bram", "Reject", first)
    meta = json.loads(view["private_metadata"])
    second = new_brief(local, title="Second brief")
    bram_may = shows_button(local, second, "Approve")
    local.slack.click("Approve", as_user="bram", message=bram_may)  # now at Legal
    eventually(lambda: local.slack.messages(include_threads=True), "answers")
    before = settled(local)

    submit(local, "bram", view, {**meta, "brief_id": 2, "version": 3})
    eventually(
        lambda: any("Legal" in m.text for m in local.emulator.ephemerals("bram")),
        "bram told the brief waits on legal",
    )
    assert settled(local) == before


def test_the_requester_cannot_decide_her_own_brief_through_a_forged_form(local: LocalBot) -> None:
    """Rita submits a reason form she was never given (Reject, on her own brief)."""
    new_brief(local)
    before = settled(local)
    view = {
        "id": "V0FORGED1",
        "type": "modal",
        "callback_id": "brief_reason",
        "hash": "1.1",
        "private_metadata": json.dumps({"brief_id": 1, "version": 1, "action": "reject"}),
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Why?"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }
    result = local.driver.submit_view("rita", {REASON_BLOCK: "I say so"}, view=view)
    assert result.status == 200
    local.slack.wait_for_message(lambda m: m.ephemeral_to == "U01RITA", ephemeral=True)
    assert settled(local) == before


def test_an_edit_form_pointed_at_someone_elses_brief_is_refused(local: LocalBot) -> None:
    """Lena files her own brief and gets its edit form; she points it at Rita's brief (waiting
    for Rita's changes) and at #random for the answer. Rita's brief is unchanged, and the
    refusal is told in the brief channel, not where the form said."""
    rita = new_brief(local)
    give_reason(local, rita, "Request changes", "bram", "Shorter title")
    wait_state(local, "changes_requested")
    lena = new_brief(local, as_user="lena", title="Lena's brief")
    give_reason(local, lena, "Request changes", "bram", "More detail")
    wait_state(local, "changes_requested", brief_id=2)
    latest = shows_button(local, lena, "Edit & resubmit")
    local.slack.click("Edit & resubmit", as_user="lena", message=latest)
    view = local.slack.view_of("lena")
    assert view is not None
    before = settled(local)

    meta = {"brief_id": 1, "channel_id": local.emulator.channel("random").id}
    tampered = {**view, "private_metadata": json.dumps(meta)}
    values = form_values(local.runtime.policy, title="Taken over")
    result = local.driver.submit_view("lena", values, view=tampered)
    assert result.status == 200
    refusal = local.slack.wait_for_message(
        lambda m: m.ephemeral_to == "U03LENA" and "brief #1" in m.text, ephemeral=True
    )
    assert refusal.channel == local.emulator.channel("marketing").id
    assert settled(local) == before


def test_a_new_brief_goes_to_the_brief_channel_whatever_the_form_says(local: LocalBot) -> None:
    local.slack.command("/brief new", as_user="rita")
    view = local.slack.view_of("rita")
    assert view is not None
    meta = {**json.loads(view["private_metadata"]), "channel_id": "C04RANDOM"}
    result = local.driver.submit_view(
        "rita",
        form_values(local.runtime.policy),
        view={**view, "private_metadata": json.dumps(meta)},
    )
    assert result.ok
    with local.runtime.db.read() as session:
        brief = session.scalars(select(Brief)).one()
    assert brief.channel_id == local.emulator.channel("marketing").id


def soon(local: LocalBot) -> datetime:
    """The brief's first reminder made due in a minute; when it is now due."""
    due = datetime.now().astimezone() + timedelta(minutes=1)
    with local.runtime.db.transaction() as session:
        reminder = session.scalars(select(Reminder).where(Reminder.kind == "reminder")).one()
        reminder.due_at = due
    return due


@pytest.mark.parametrize("who", ["rita", "lena"])
def test_only_the_people_a_brief_waits_on_can_snooze_it(local: LocalBot, who: str) -> None:
    """A snooze button with brief 1's value, clicked by the requester or by Legal (the brief
    waits on Brand): the reminders stay as they were, and the clicker is told."""
    new_brief(local)
    soon(local)  # so that a snooze would move it
    before = settled(local)
    user = local.emulator.user(who)
    dm = local.emulator.seed.dm_for(user.id)
    assert dm is not None
    payload = local.driver.click_payload(
        local.slack.last_message("marketing"),
        who,
        {
            "type": "button",
            "action_id": ActionId.REMINDER_SNOOZE_1BD.value,
            "block_id": "snooze",
            "action_ts": local.emulator.workspace.next_ts(),
            "value": "1:1",
        },
    )
    payload["channel"] = {"id": dm.id, "name": dm.name}
    payload["container"] = {**payload["container"], "channel_id": dm.id}
    result = local.driver.send_payload(payload)
    assert result.status == 200
    answer = local.slack.wait_for_message(
        lambda m: m.ephemeral_to == user.id and "snooze" in m.text, ephemeral=True
    )
    assert "Only the people brief #1 waits on" in answer.text
    assert settled(local) == before


def test_bram_still_snoozes_his_own_reminders(local: LocalBot) -> None:
    """The check lets through those the brief waits on: Bram's snooze moves the reminder."""
    new_brief(local)
    due = soon(local)
    payload = local.driver.click_payload(
        local.slack.last_message("marketing"),
        "bram",
        {
            "type": "button",
            "action_id": ActionId.REMINDER_SNOOZE_1BD.value,
            "block_id": "snooze",
            "action_ts": local.emulator.workspace.next_ts(),
            "value": "1:1",
        },
    )
    assert local.driver.send_payload(payload).status == 200
    local.slack.wait_for_message(
        lambda m: m.ephemeral_to == "U02BRAM" and "Snoozed" in m.text, ephemeral=True
    )
    with local.runtime.db.read() as session:
        moved = session.scalars(select(Reminder).where(Reminder.kind == "reminder")).one()
    assert moved.due_at > due


def test_another_persons_id_in_the_payload_does_not_act_for_them(local: LocalBot) -> None:
    """Lena's Approve click carrying Bram's id everywhere but the signed `user` (the message's
    author, the container, the view, the action's own fields): it is Lena's click, refused."""
    parent = shows_button(local, new_brief(local), "Approve")
    before = settled(local)
    payload = local.driver.click_payload(
        parent,
        "lena",
        {
            "type": "button",
            "action_id": ActionId.BRIEF_APPROVE.value,
            "block_id": "b",
            "action_ts": local.emulator.workspace.next_ts(),
            "value": "1:1",
            "user": "U02BRAM",
            "selected_user": "U02BRAM",
        },
    )
    payload["message"]["user"] = "U02BRAM"
    payload["user_id"] = "U02BRAM"
    payload["container"]["user_id"] = "U02BRAM"
    payload["view"] = {"id": "V1", "type": "modal", "user": {"id": "U02BRAM"}}
    assert local.driver.send_payload(payload).status == 200
    local.slack.wait_for_message(lambda m: m.ephemeral_to == "U03LENA", ephemeral=True)
    assert settled(local) == before
