"""Intake: messages in intake channels, the buttons and modal that confirm or correct a label,
Claim / Done, and the brief opened from a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, BoltContext

from bot.briefs import forms as brief_forms
from bot.briefs.service import FormErrors
from bot.intake import edits, flows, forms, withdrawal
from bot.intake.service import is_new_request
from bot.slack.actions import ActionId, IntakePick, IntakeRef
from bot.slack.replies import Reply
from handlers import briefs, clicks, submissions
from handlers.clicks import Click
from handlers.context import Asker

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

# The buttons on a request that act on it at once, by action id.
TICKET_BUTTONS = {
    ActionId.INTAKE_CLAIM: "claim",
    ActionId.INTAKE_DONE: "done",
    ActionId.INTAKE_NOT_HELPED: "not_helped",
}


def message(event: dict, context: BoltContext, runtime: Runtime, delivery_key: str | None) -> None:
    channels = set(runtime.policy.intake.channels)
    edited = edits.edited_text(event, channels)
    if edited is not None:
        ts, text = edited
        flows.edit(
            runtime.db,
            runtime.policy,
            channel_id=event["channel"],
            ts=ts,
            text=text,
            now=runtime.clock(),
        )
        return
    deleted = withdrawal.deleted_ts(event, channels)
    if deleted is not None:
        flows.withdraw(
            runtime.db,
            runtime.policy,
            channel_id=event["channel"],
            ts=deleted,
            now=runtime.clock(),
        )
        return
    if not is_new_request(event, channels, context.bot_user_id):
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


@clicks.decides(IntakePick.parse)
def pick(click: Click[IntakePick]) -> None:
    """One of the labels the bot offered."""
    flows.label(
        click.runtime.db,
        click.runtime.policy,
        click.runtime.intake_routes(),
        request_id=click.button.request_id,
        actor=click.actor,
        label=click.button.label,
        delivery_key=click.delivery_key,
        now=click.runtime.clock(),
        reply=click.reply,
    )


@clicks.opens_form(IntakeRef.parse)
def relabel(click: Click[IntakeRef]) -> dict | None:
    """Wrong label? / Something else / It's a request: a modal with every label, for those who
    may label (anyone else is told so before they fill anything in)."""
    return flows.label_form(
        click.runtime.db,
        click.runtime.policy,
        click.runtime.intake_routes(),
        request_id=click.button.request_id,
        actor=click.actor,
        reply=click.reply,
        delivery_key=click.delivery_key,
    )


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


@clicks.opens_form(IntakeRef.parse)
def open_brief(click: Click[IntakeRef]) -> dict | None:
    """Open a brief: the brief form, filled in from the request."""
    return flows.brief_form(
        click.runtime.db,
        click.runtime.policy,
        request_id=click.button.request_id,
        reply=click.reply,
        delivery_key=click.delivery_key,
        names=click.runtime.names(),
    )


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
    submissions.answer(ack, result.errors if isinstance(result, FormErrors) else None)


@clicks.decides(IntakeRef.parse)
def ticket_button(click: Click[IntakeRef]) -> None:
    """Claim, Done, and "This didn't help" under a saved reply (the request goes to its owner
    group): the same checks and one unit of work each."""
    flows.ticket_action(
        click.runtime.db,
        click.runtime.policy,
        click.runtime.intake_routes(),
        TICKET_BUTTONS[ActionId(click.action_id)],
        request_id=click.button.request_id,
        actor=click.actor,
        delivery_key=click.delivery_key,
        now=click.runtime.clock(),
        reply=click.reply,
    )


def queue(rest: str, runtime: Runtime, asker: Asker) -> str:
    """`/mops intake`: the open intake queue (@triage and ops admins)."""
    if rest:
        return "`/mops intake` takes nothing after it: it lists the open intake requests."
    return flows.queue(
        runtime.db, runtime.policy, runtime.intake_routes(), asker.actor, runtime.names()
    )
