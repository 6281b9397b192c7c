"""`/mops lint`, and the Confirm / Cancel buttons that flagged content asks for before it moves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack

from bot.compliance import flows
from bot.compliance.confirmations import Prompt, Shown
from bot.compliance.service import rules_for
from bot.slack.actions import ActionId
from bot.slack.blocks import escape
from handlers.context import Asker, clicked, reply_to
from policies.compliance import ComplianceRulesError, UnknownChannelError, lint

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

LINT_USAGE = "Usage: `/mops lint [--channel NAME] &lt;text&gt;`, e.g. `/mops lint --channel sms Win a free trip!`"


def lint_text(rest: str, runtime: Runtime, asker: Asker) -> str:
    """`/mops lint [--channel NAME] <text>`: the compliance linter, answered to the person only."""
    channel = None
    words = rest.split()
    if len(words) >= 2 and words[0] == "--channel":
        channel, rest = words[1], rest.split(None, 2)[2] if len(words) > 2 else ""
    if not rest.strip():
        return LINT_USAGE
    try:
        result = lint(rest, rules_for(runtime.policy), channel=channel)
    except UnknownChannelError as exc:
        return f"{escape(str(exc))}. {LINT_USAGE}"
    except ComplianceRulesError as exc:
        return f"The compliance rules have errors: `{escape(exc.errors[0])}`"
    if result.clean:
        return ":white_check_mark: No regulated claims or channel issues found."
    lines = [f"*{len(result.findings)} finding(s)*" + (f" for *{channel}*" if channel else "")]
    for finding in result.findings:
        lines.append(
            f"• `{escape(finding.matched)}`: *{finding.label}* ({finding.severity}). "
            f"{escape(finding.guidance)} Needs *{finding.approver_stage}* approval."
        )
    lines += [f"• {escape(issue.message)}" for issue in result.channel_issues]
    return "\n".join(lines)


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
