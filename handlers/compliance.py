"""`/mops lint`, and the Confirm / Cancel buttons that flagged content asks for before it moves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack

from bot.compliance import flows, messages
from bot.compliance.confirmations import Prompt, Shown
from bot.compliance.service import rules_for
from bot.slack.actions import ActionId
from bot.slack.blocks import echo
from handlers.context import Asker, clicked, reply_to
from handlers.options import SlashOptions, UsageError
from policies.compliance import ComplianceRulesError, lint

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

LINT_USAGE = (
    "Usage: `/mops lint [--channel NAME] &lt;text&gt;`, e.g. `/mops lint --channel sms Win a "
    "free trip!`"
)
LINT_OPTIONS = SlashOptions("/mops lint")
LINT_OPTIONS.value("--channel", "a channel name")


def lint_text(rest: str, runtime: Runtime, asker: Asker) -> str:
    """`/mops lint [--channel NAME] <text>`: the compliance linter, answered to the person only.

    Options and channel names are read as `mopsbot lint` reads them."""
    try:
        rules = rules_for(runtime.policy)
    except ComplianceRulesError:
        return "The compliance rules can't be read right now; an ops admin should check them."
    try:
        options, text = LINT_OPTIONS.parse(rest)
    except UsageError as exc:
        return f"{exc} {LINT_USAGE}"
    channel = options.channel
    if channel is not None and rules.channel_named(channel) is None:
        known = ", ".join(f"`{name}`" for name in sorted(rules.channels))
        return f"I don't know the channel `{echo(channel)}`; channels: {known}. {LINT_USAGE}"
    if not text:
        return f"Add the text to check. {LINT_USAGE}"
    result = lint(text, rules, channel=channel)
    return messages.lint_answer(runtime.policy, rules, result)


def confirmation(
    ack: Ack,
    action: dict,
    body: dict,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> None:
    """Confirm or Cancel under a request to mark flagged content scheduled or live."""
    ack()
    prompt = clicked(Prompt.parse, action, body, runtime, delivery_key)
    if prompt is None:
        return
    flows.answer(
        runtime.db,
        runtime.policy,
        confirmed=action["action_id"] == ActionId.BRIEF_CONFIRM_ADVANCE,
        prompt=prompt,
        actor=asker.actor,
        now=runtime.clock(),
        delivery_key=delivery_key,
        shown=shown_at(body),
        reply=reply_to(body),
    )


def shown_at(body: dict) -> Shown | None:
    """The message a button was clicked in (ephemerals can't be updated)."""
    container = body.get("container") or {}
    if container.get("is_ephemeral") or not (
        container.get("channel_id") and container.get("message_ts")
    ):
        return None
    return Shown(container["channel_id"], container["message_ts"])
