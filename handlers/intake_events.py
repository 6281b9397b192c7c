"""Intake: messages in intake channels, and the buttons that confirm or correct a label."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.models.blocks import InputBlock, Option, StaticSelectElement
from slack_sdk.models.views import View

from bot.briefs import forms
from bot.intake import service as intake
from bot.slack.deliveries import action_key, event_key, view_key
from handlers.context import actor_for, tell

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

RELABEL_VIEW = "intake_relabel"


def register(app: App, runtime: Runtime) -> None:
    @app.event("message")
    def on_message(body: dict, event: dict) -> None:
        if not intake.is_new_request(event, set(runtime.policy.intake.channels)):
            return
        with runtime.db.transaction() as session:
            intake.receive(
                session,
                channel_id=event["channel"],
                ts=event["ts"],
                user_id=event["user"],
                text=event["text"],
                delivery_key=event_key(body),
                now=runtime.clock(),
            )

    @app.action(re.compile(r"^intake_pick_\d+$"))
    def pick(ack: Ack, body: dict) -> None:
        ack()
        request_id, _, label = body["actions"][0]["value"].partition(":")
        _confirm(runtime, body, int(request_id), label, action_key(body))

    @app.action("intake_relabel")
    def relabel(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        request_id = int(body["actions"][0]["value"])
        routes = runtime.intake_routes()
        options = [
            Option(value=label, label=intake.label_name(routes, label)[:75])
            for label in routes.labels
        ]
        options.append(Option(value=intake.OUT_OF_SCOPE, label="Not a marketing request"))
        view = View(
            type="modal",
            callback_id=RELABEL_VIEW,
            title="Label this request",
            submit="Save",
            close="Cancel",
            private_metadata=json.dumps(
                {"request_id": request_id, "channel": body["channel"]["id"]}
            ),
            blocks=[
                InputBlock(
                    block_id="label",
                    label="What kind of request is it?",
                    element=StaticSelectElement(action_id=forms.ELEMENT_ID, options=options),
                )
            ],
        )
        client.views_open(trigger_id=body["trigger_id"], view=view.to_dict())

    @app.view(RELABEL_VIEW)
    def relabel_submitted(ack: Ack, body: dict, view: dict) -> None:
        ack()
        meta = forms.metadata(view)
        label = forms.submitted_values(view).get("label") or ""
        body = {**body, "channel": {"id": meta.get("channel")}}
        _confirm(runtime, body, int(meta.get("request_id", 0)), label, view_key(body))

    @app.action("intake_open_brief")
    def open_brief(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        request_id = int(body["actions"][0]["value"])
        with runtime.db.transaction() as session:
            request = session.get(intake.IntakeRequest, request_id)
            text = request.text if request else ""
        first_line = text.strip().splitlines()[0] if text.strip() else ""
        initial = {"title": first_line[:80], "objective": text[:2000]}
        client.views_open(
            trigger_id=body["trigger_id"],
            view=forms.brief_form(
                runtime.policy,
                channel_id=runtime.policy.channels.briefs or body["channel"]["id"],
                initial=initial,
            ),
        )


def _confirm(runtime: Runtime, body: dict, request_id: int, label: str, key: str | None) -> None:
    actor = actor_for(runtime, body["user"]["id"])
    with runtime.db.transaction() as session:
        answer = intake.confirm(
            session,
            runtime.policy,
            runtime.intake_routes(),
            request_id=request_id,
            user_id=actor.user_id,
            user_groups=set(actor.group_ids),
            label=label,
            delivery_key=key,
            now=runtime.clock(),
        )
    channel = (body.get("channel") or {}).get("id")
    if not answer.duplicate and channel:
        tell(runtime, channel=channel, user=actor.user_id, text=answer.message)
