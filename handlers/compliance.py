"""`/mops lint`, and the Confirm / Cancel buttons that flagged content asks for before it moves."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from slack_bolt import Respond

from bot.compliance import flows, layers, messages
from bot.compliance.confirmations import Prompt, Shown
from bot.compliance.service import lint_readiness, rules_for
from bot.core.logs import get_logger
from bot.slack.actions import ActionId
from bot.slack.blocks import echo, ephemeral
from handlers import clicks
from handlers.clicks import Click
from handlers.context import Asker
from handlers.options import SlashOptions, UsageError
from policies.compliance import ComplianceRulesError

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

log = get_logger(__name__)

LINT_USAGE = (
    "Usage: `/mops lint [--channel NAME] &lt;text&gt;`, e.g. `/mops lint --channel sms Win a "
    "free trip!`"
)
LINT_OPTIONS = SlashOptions("/mops lint")
LINT_OPTIONS.value("--channel", "a channel name")


STILL_LOADING = (
    "Checking… I've just restarted and my compliance model is still loading, so your answer "
    "follows here in a few seconds."
)


def answers_at_once(runtime: Runtime) -> bool:
    """False while the compliance model loads after a start: a lint then waits for it, longer
    than Slack waits for a command's answer (3 s)."""
    return lint_readiness(runtime.policy).ready


def answer_later(rest: str, runtime: Runtime, asker: Asker, respond: Respond) -> None:
    """`/mops lint`'s answer from a thread, once the model has loaded. It changes nothing, so a
    restart meanwhile loses only this answer (the person runs the command again)."""

    def answer() -> None:
        try:
            respond(**ephemeral(lint_text(rest, runtime, asker)))
        except Exception:  # never a stack trace in Slack; the log says what happened
            log.exception("mops_lint.answer_failed")

    threading.Thread(target=answer, name="mops-lint-answer", daemon=True).start()


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
    result = layers.lint_text(text, rules, channel=channel)
    return messages.lint_answer(runtime.policy, rules, result)


@clicks.decides(Prompt.parse)
def confirmation(click: Click[Prompt]) -> None:
    """Confirm or Cancel under a request to mark flagged content scheduled or live."""
    flows.answer(
        click.runtime.db,
        click.runtime.policy,
        confirmed=click.action_id == ActionId.BRIEF_CONFIRM_ADVANCE,
        prompt=click.button,
        actor=click.actor,
        now=click.runtime.clock(),
        delivery_key=click.delivery_key,
        shown=shown_at(click.body),
        reply=click.reply,
    )


def shown_at(body: dict) -> Shown | None:
    """The message a button was clicked in (ephemerals can't be updated)."""
    container = body.get("container") or {}
    if container.get("is_ephemeral") or not (
        container.get("channel_id") and container.get("message_ts")
    ):
        return None
    return Shown(container["channel_id"], container["message_ts"])
