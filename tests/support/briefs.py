"""Conversation helpers for briefs: a person opens the form and submits it, approvers click what
is on their screen, and the test waits for the bot's asynchronous answers and the database rows."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app.local import LocalBot
from bot.audit.models import AuditEvent
from bot.briefs.examples import example_values
from bot.briefs.models import Brief
from bot.emulator import Message
from bot.emulator.conversation import Slack
from bot.slack.models import OutboxMessage
from tests.support.waiting import eventually


def form_values(policy, **overrides: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What a person types: the required fields, plus any given."""
    return example_values(policy.workflows.brief.template, required_only=True, **overrides)


def new_brief(local: LocalBot, as_user: str = "rita", **overrides: str) -> Message:
    slack = local.slack
    # An earlier brief's parent edited after this submit (its update still in the outbox) is
    # "a message edited since the last action" too: only a parent not there before is this one.
    before = {m.ts for m in slack.messages("marketing")}
    slack.command("/brief new", as_user=as_user)
    assert slack.view_of(as_user) is not None, "the brief form should be open"
    result = slack.submit(form_values(local.runtime.policy, **overrides), as_user=as_user)
    assert result.status == 200 and not result.errors, result.errors
    return slack.wait_for_message(
        lambda m: m.text.startswith("Brief #") and not m.thread_ts and m.ts not in before,
        channel="marketing",
    )


def brief_row(local: LocalBot, brief_id: int = 1) -> Brief:
    with local.runtime.db.transaction() as session:
        brief = session.get(Brief, brief_id)
        assert brief is not None
        return brief


def audit_actions(local: LocalBot, brief_id: int = 1) -> list[tuple[str, str | None, int | None]]:
    with local.runtime.db.transaction() as session:
        return [
            (e.action, e.to_state, e.round)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.brief_id == brief_id).order_by(AuditEvent.id)
            )
        ]


def latest(slack: Slack, message: Message) -> Message:
    return slack.emulator.message(message.channel, message.ts) or message


def outbox_drained(local: LocalBot) -> bool:
    with local.runtime.db.transaction() as session:
        return not session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )


def shows_button(local: LocalBot, parent: Message, button: str) -> Message:
    """The parent as the person sees it once the bot's updates have landed (they arrive
    asynchronously, and a person clicks what is on their screen now)."""

    def current() -> Message | None:
        if not outbox_drained(local):
            return None
        message = latest(local.slack, parent)
        texts = [
            e.get("text", {}).get("text")
            for b in message.blocks
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        return message if button in texts else None

    return eventually(current, f"a {button!r} button")


def approve(local: LocalBot, parent: Message, as_user: str) -> None:
    local.slack.click("Approve", as_user=as_user, message=shows_button(local, parent, "Approve"))


def give_reason(local: LocalBot, parent: Message, button: str, as_user: str, reason: str) -> None:
    slack = local.slack
    slack.click(button, as_user=as_user, message=shows_button(local, parent, button))
    assert slack.view_of(as_user) is not None, "a reason modal should open"
    result = slack.submit({"reason": reason}, as_user=as_user)
    assert result.status == 200 and not result.errors, result.errors


def wait_state(local: LocalBot, state: str, brief_id: int = 1) -> Brief:
    return eventually(
        lambda: (b := brief_row(local, brief_id)).state == state and b, f"brief {brief_id} {state}"
    )


def wait_stage(local: LocalBot, stage: str, brief_id: int = 1) -> Brief:
    return eventually(
        lambda: (b := brief_row(local, brief_id)).stage == stage and b,
        f"brief {brief_id} at stage {stage}",
    )
