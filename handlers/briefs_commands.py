"""/brief: new, list, show, cancel, help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.audit import service as audit
from bot.briefs import forms, messages, service
from bot.briefs.workflow import Action
from bot.compliance import confirmations
from bot.slack.blocks import ephemeral, escape
from handlers.context import actor_for, in_transaction

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

BRIEF_USAGE = (
    "Usage: `/brief new` · `/brief list` · `/brief show ID` · `/brief cancel ID` · "
    "`/brief schedule ID` · `/brief live ID` · `/brief help`"
)
BRIEF_HELP = "\n".join(
    [
        "*Briefs* go from form to approved work in one thread.",
        "• `/brief new`: fill in the brief form; it is posted with Approve / Request changes / Reject",
        "• `/brief list`: your briefs and the ones waiting on you",
        "• `/brief show ID`: a brief with its audit trail",
        "• `/brief cancel ID`: cancel a brief (requester or ops admin)",
        "• `/brief schedule ID` · `/brief live ID`: after approval, mark it scheduled, then live "
        "(a brief with regulated claims asks for a *Confirm* click in its thread first)",
    ]
)


def register(app: App, runtime: Runtime) -> None:
    @app.command("/brief")
    def brief(ack: Ack, command: dict, client: WebClient) -> None:
        words = (command.get("text") or "").split()
        name, args = (words[0].lower(), words[1:]) if words else ("help", [])
        if name == "new" and not args:
            client.views_open(
                trigger_id=command["trigger_id"],
                view=forms.brief_form(
                    runtime.policy,
                    channel_id=runtime.policy.channels.briefs or command["channel_id"],
                ),
            )
            ack()
        elif name == "list" and not args:
            ack(ephemeral(_list(runtime, command["user_id"])))
        elif name == "show" and len(args) == 1 and _brief_id(args[0]):
            ack(ephemeral(_show(runtime, _brief_id(args[0]) or 0)))
        elif name == "cancel" and len(args) == 1 and _brief_id(args[0]):
            ack(ephemeral(_cancel(runtime, command, _brief_id(args[0]) or 0)))
        elif name in ("schedule", "live") and len(args) == 1 and _brief_id(args[0]):
            action = Action.SCHEDULE if name == "schedule" else Action.GO_LIVE
            ack(ephemeral(_advance(runtime, command, _brief_id(args[0]) or 0, action)))
        elif name == "help" and not args:
            ack(ephemeral(BRIEF_HELP))
        else:
            ack(ephemeral(f"I didn't understand `/brief {escape(' '.join(words))}`. {BRIEF_USAGE}"))


def _brief_id(text: str) -> int | None:
    text = text.lstrip("#")
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


def _list(runtime: Runtime, user_id: str) -> str:
    actor = actor_for(runtime, user_id)
    with runtime.db.transaction() as session:
        mine, waiting = service.briefs_of(session, runtime.policy, actor)
        lines = ["*Your open briefs*"] + ([_line(runtime, brief) for brief in mine] or ["_none_"])
        lines += ["*Waiting on you*"] + (
            [_line(runtime, brief) for brief in waiting] or ["_nothing_"]
        )
    return "\n".join(lines)


def _line(runtime: Runtime, brief) -> str:  # type: ignore[no-untyped-def]
    stage = f", {messages.stage_label(runtime.policy, brief.stage)}" if brief.stage else ""
    return f"• #{brief.id} {escape(brief.title)}: {messages.state_words(brief)}{stage}"


def _show(runtime: Runtime, brief_id: int) -> str:
    with runtime.db.transaction() as session:
        brief = service.find(session, brief_id)
        if brief is None:
            return f"There is no brief #{brief_id}. {BRIEF_USAGE}"
        lines = [
            f"*Brief #{brief.id}: {escape(brief.title)}*: {messages.state_words(brief)}",
            f"Waiting on: {messages.waiting_on(runtime.policy, brief)} · round {brief.round}",
            "*Audit trail*",
        ]
        for event in audit.trail(session, brief.id):
            change = f"{event.from_state or '-'} → {event.to_state or '-'}"
            stage = f" [{event.stage}]" if event.stage else ""
            reason = f": {escape(event.reason)}" if event.reason else ""
            lines.append(
                f"• {event.at:%Y-%m-%d %H:%M} UTC <@{event.actor_id}> {event.action}{stage} "
                f"{change}{reason} (policy {event.policy_version})"
            )
    return "\n".join(lines)


def _cancel(runtime: Runtime, command: dict, brief_id: int) -> str:
    actor = actor_for(runtime, command["user_id"])

    def work(session):  # type: ignore[no-untyped-def]
        return service.cancel(
            session,
            runtime.policy,
            brief_id=brief_id,
            actor=actor,
            now=runtime.clock(),
            delivery_key=None,
        )

    return in_transaction(runtime, work).message


def _advance(runtime: Runtime, command: dict, brief_id: int, action: Action) -> str:
    actor = actor_for(runtime, command["user_id"])
    return in_transaction(
        runtime,
        lambda session: confirmations.request(
            session,
            runtime.policy,
            brief_id=brief_id,
            actor=actor,
            action=action,
            now=runtime.clock(),
        ),
    ).message
