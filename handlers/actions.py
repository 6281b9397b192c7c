"""Button clicks: the decisions in a brief's thread, and confirmations of flagged actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.briefs import forms, service
from bot.briefs.workflow import Action
from bot.compliance import confirmations
from bot.sla import reminders
from bot.slack.deliveries import action_key, claim_delivery
from handlers.context import actor_for, check_then_transact, in_transaction, reply_to, tell

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


def parse_value(value: str) -> tuple[int, int] | None:
    """Buttons carry "brief_id:version"; anything else is not ours."""
    brief_id, _, version = (value or "").partition(":")
    if brief_id.isdigit() and version.isdigit():
        return int(brief_id), int(version)
    return None


def shown_at(body: dict) -> confirmations.Shown | None:
    """The message a button was clicked in (ephemerals can't be updated)."""
    container = body.get("container") or {}
    if container.get("is_ephemeral") or not (
        container.get("channel_id") and container.get("message_ts")
    ):
        return None
    return confirmations.Shown(container["channel_id"], container["message_ts"])


def register(app: App, runtime: Runtime) -> None:
    def snooze(option: str, words: str):  # type: ignore[no-untyped-def]
        def listener(ack: Ack, body: dict) -> None:
            ack()
            parsed = parse_value(body["actions"][0].get("value", ""))
            if parsed is None:
                return
            reply = reply_to(body)
            with runtime.db.transaction() as session:
                if not claim_delivery(session, action_key(body), "action"):
                    return
                until = reminders.snooze(
                    session, runtime.policy, brief_id=parsed[0], option=option, now=runtime.clock()
                )
            text = (
                f"Snoozed for {words}: the next reminder about brief #{parsed[0]} comes after "
                f"<!date^{int(until.timestamp())}^{{date_short_pretty}} {{time}}|{until:%Y-%m-%d %H:%M} UTC>."
                if until
                else f"Brief #{parsed[0]} no longer waits on anyone; nothing to snooze."
            )
            tell(runtime, channel=reply.channel, user=reply.user, text=text)

        return listener

    app.action("reminder_snooze_1h")(snooze("1h", "an hour"))
    app.action("reminder_snooze_1bd")(snooze("1bd", "a business day"))

    @app.action("brief_approve")
    def approve(ack: Ack, body: dict) -> None:
        ack()
        parsed = parse_value(body["actions"][0].get("value", ""))
        if parsed is None:
            return
        brief_id, version = parsed
        actor = actor_for(runtime, body["user"]["id"])
        decision = {
            "brief_id": brief_id,
            "actor": actor,
            "action": Action.APPROVE,
            "reason": None,
            "expected_version": version,
        }
        check_then_transact(
            runtime,
            lambda session: service.decision_refusal(session, runtime.policy, **decision),
            lambda session: service.decide(
                session,
                runtime.policy,
                **decision,
                now=runtime.clock(),
                delivery_key=action_key(body),
            ),
            reply=reply_to(body),
            delivery_key=action_key(body),
        )

    def ask_reason(action: Action):  # type: ignore[no-untyped-def]
        def listener(ack: Ack, body: dict, client: WebClient) -> None:
            ack()
            parsed = parse_value(body["actions"][0].get("value", ""))
            if parsed is None:
                return
            brief_id, version = parsed
            with runtime.db.read() as session:
                brief = service.find(session, brief_id)
                title = brief.title if brief else ""
            client.views_open(
                trigger_id=body["trigger_id"],
                view=forms.reason_form(
                    brief_id=brief_id, version=version, action=action.value, title=title
                ),
            )

        return listener

    def confirmation(decide):  # type: ignore[no-untyped-def]
        def listener(ack: Ack, body: dict) -> None:
            ack()
            prompt = confirmations.Prompt.parse(body["actions"][0].get("value", ""))
            if prompt is None:
                return
            actor = actor_for(runtime, body["user"]["id"])
            in_transaction(
                runtime,
                lambda session: decide(
                    session,
                    runtime.policy,
                    prompt=prompt,
                    actor=actor,
                    now=runtime.clock(),
                    delivery_key=action_key(body),
                    shown=shown_at(body),
                ),
                reply=reply_to(body),
            )

        return listener

    app.action(confirmations.CONFIRM)(confirmation(confirmations.confirm))
    app.action(confirmations.DECLINE)(confirmation(confirmations.decline))

    app.action("brief_request_changes")(ask_reason(Action.REQUEST_CHANGES))
    app.action("brief_reject")(ask_reason(Action.REJECT))

    @app.action("brief_resubmit")
    def resubmit(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        parsed = parse_value(body["actions"][0].get("value", ""))
        if parsed is None:
            return
        with runtime.db.transaction() as session:
            brief = service.find(session, parsed[0])
            refusal = None
            if brief is None:
                refusal = f"There is no brief #{parsed[0]}."
            elif brief.requester_id != body["user"]["id"]:
                refusal = f"Only <@{brief.requester_id}> can edit and resubmit brief #{brief.id}."
            elif brief.state != "changes_requested":
                refusal = f"Brief #{brief.id} is not waiting for changes."
            else:
                view = forms.brief_form(
                    runtime.policy,
                    channel_id=brief.channel_id,
                    initial=brief.fields,
                    brief_id=brief.id,
                )
        if refusal:
            reply = reply_to(body)
            tell(
                runtime,
                channel=reply.channel,
                user=reply.user,
                text=refusal,
                thread_ts=reply.thread_ts,
            )
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)
