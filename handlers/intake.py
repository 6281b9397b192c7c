"""Intake: messages in intake channels, the buttons and modal that confirm or correct a label,
Claim / Done, and the brief opened from a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.briefs import forms as brief_forms
from bot.briefs.service import FormErrors
from bot.intake import flows, forms
from bot.intake.service import is_new_request
from bot.slack.actions import IntakePick, IntakeRef
from bot.slack.replies import Reply
from handlers import briefs
from handlers.context import Asker, clicked, open_modal, reply_to
from handlers.usage import MOPS_USAGE

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


def message(event: dict, context: BoltContext, runtime: Runtime, delivery_key: str | None) -> None:
    if not is_new_request(event, set(runtime.policy.intake.channels), context.bot_user_id):
        return
    flows.receive(
        runtime.db,
        channel_id=event["channel"],
        ts=event["ts"],
        user_id=event["user"],
        text=event["text"],
        delivery_key=delivery_key,
        now=runtime.clock(),
        model_ready=runtime.intake_models().ready(),
    )


def pick(
    ack: Ack, action: dict, body: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    """One of the labels the bot offered."""
    ack()
    button = clicked(IntakePick.parse, action, body, runtime, delivery_key)
    if button is None:
        return
    flows.label(
        runtime.db,
        runtime.policy,
        runtime.intake_routes(),
        request_id=button.request_id,
        actor=asker.actor,
        label=button.label,
        delivery_key=delivery_key,
        now=runtime.clock(),
        reply=reply_to(body),
    )


def relabel(
    ack: Ack,
    action: dict,
    body: dict,
    client: WebClient,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> None:
    """Wrong label? / Something else / It's a request: a modal with every label, for those who
    may label (anyone else is told so before they fill anything in)."""
    ack()
    button = clicked(IntakeRef.parse, action, body, runtime, delivery_key)
    if button is None:
        return
    view = flows.label_form(
        runtime.db,
        runtime.policy,
        runtime.intake_routes(),
        request_id=button.request_id,
        actor=asker.actor,
        reply=reply_to(body),
        delivery_key=delivery_key,
    )
    if view is not None:
        open_modal(client, body, view, runtime, delivery_key)


def relabel_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    ack()
    submitted = forms.relabel_submitted(view)
    flows.label(
        runtime.db,
        runtime.policy,
        runtime.intake_routes(),
        request_id=submitted.request_id,
        actor=asker.actor,
        label=submitted.label,
        delivery_key=delivery_key,
        now=runtime.clock(),
        reply=Reply(submitted.channel, asker.user_id),
    )


def claim(
    ack: Ack, action: dict, body: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    _ticket_button("claim", ack, action, body, runtime, asker, delivery_key)


def done(
    ack: Ack, action: dict, body: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    _ticket_button("done", ack, action, body, runtime, asker, delivery_key)


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
        reply=reply_to(body),
        delivery_key=delivery_key,
        names=runtime.names(),
    )
    if view is not None:
        open_modal(client, body, view, runtime, delivery_key)


def brief_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    """The brief form opened from a request: the brief, linked to the request."""
    result = flows.open_brief(
        runtime.db,
        runtime.policy,
        runtime.intake_routes(),
        request_id=flows.brief_request(view),
        requester_id=asker.user_id,
        channel_id=briefs.brief_channel(runtime, view),
        values=brief_forms.submitted_values(view),
        now=runtime.clock(),
        delivery_key=delivery_key,
    )
    if isinstance(result, FormErrors):
        ack(response_action="errors", errors=result.errors)
    else:
        ack()


def not_helped(
    ack: Ack, action: dict, body: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    """ "This didn't help" under a saved reply: the request goes to its owner group."""
    _ticket_button("not_helped", ack, action, body, runtime, asker, delivery_key)


def _ticket_button(
    what: str,
    ack: Ack,
    action: dict,
    body: dict,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> None:
    """Claim, Done, This didn't help: the same checks and one unit of work each."""
    ack()
    button = clicked(IntakeRef.parse, action, body, runtime, delivery_key)
    if button is None:
        return
    flows.ticket_action(
        runtime.db,
        runtime.policy,
        runtime.intake_routes(),
        what,
        request_id=button.request_id,
        actor=asker.actor,
        delivery_key=delivery_key,
        now=runtime.clock(),
        reply=reply_to(body),
    )


def queue(rest: str, runtime: Runtime, asker: Asker) -> str:
    """`/mops intake`: the open intake queue (@triage and ops admins)."""
    if rest:
        return f"Usage: `/mops intake` lists the open intake requests. {MOPS_USAGE}"
    return flows.queue(
        runtime.db, runtime.policy, runtime.intake_routes(), asker.actor, runtime.names()
    )
