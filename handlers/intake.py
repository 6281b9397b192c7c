"""Intake: messages in intake channels, and the buttons and modal that confirm or correct a label."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.intake import flows, forms
from bot.intake.service import is_new_request
from bot.slack.actions import IntakePick, IntakeRef
from bot.slack.replies import Reply
from handlers.context import Asker, clicked

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


def message(event: dict, runtime: Runtime, delivery_key: str | None) -> None:
    if not is_new_request(event, set(runtime.policy.intake.channels)):
        return
    flows.receive(
        runtime.db,
        channel_id=event["channel"],
        ts=event["ts"],
        user_id=event["user"],
        text=event["text"],
        delivery_key=delivery_key,
        now=runtime.clock(),
    )


def pick(
    ack: Ack, action: dict, body: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    """One of the labels the bot offered."""
    ack()
    button = clicked(IntakePick.parse, action, body, runtime, delivery_key)
    if button is None:
        return
    _label(runtime, asker, button.request_id, button.label, delivery_key, _channel(body))


def relabel(
    ack: Ack,
    action: dict,
    body: dict,
    client: WebClient,
    runtime: Runtime,
    delivery_key: str | None,
) -> None:
    """Wrong label? / Something else: a modal with every label."""
    ack()
    button = clicked(IntakeRef.parse, action, body, runtime, delivery_key)
    if button is None:
        return
    view = forms.relabel_form(
        runtime.intake_routes(), request_id=button.request_id, channel=_channel(body)
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def relabel_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    ack()
    submitted = forms.relabel_submitted(view)
    _label(runtime, asker, submitted.request_id, submitted.label, delivery_key, submitted.channel)


def open_brief(
    ack: Ack,
    action: dict,
    body: dict,
    client: WebClient,
    runtime: Runtime,
    delivery_key: str | None,
) -> None:
    """Open a brief: the brief form, filled in from the request."""
    ack()
    button = clicked(IntakeRef.parse, action, body, runtime, delivery_key)
    if button is None:
        return
    view = flows.brief_form(
        runtime.db,
        runtime.policy,
        request_id=button.request_id,
        channel_id=_channel(body),
        names=runtime.names(),
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _label(
    runtime: Runtime,
    asker: Asker,
    request_id: int,
    label: str,
    delivery_key: str | None,
    channel: str | None,
) -> None:
    flows.label(
        runtime.db,
        runtime.policy,
        runtime.intake_routes(),
        request_id=request_id,
        actor=asker.actor,
        label=label,
        delivery_key=delivery_key,
        now=runtime.clock(),
        reply=Reply(channel, asker.user_id),
    )


def _channel(body: dict) -> str | None:
    return (body.get("channel") or {}).get("id")
