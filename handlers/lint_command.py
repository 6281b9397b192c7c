"""/mops lint <text>: the compliance linter on any text, answered to the person only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.compliance.service import rules_for
from bot.slack.blocks import ephemeral, escape
from handlers.commands import MopsSubcommand, mops_subcommand
from policies.compliance import ComplianceRulesError, UnknownChannelError, lint

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.app.runtime import Runtime

LINT_USAGE = "Usage: `/mops lint [--channel NAME] &lt;text&gt;`, e.g. `/mops lint --channel sms Win a free trip!`"


@mops_subcommand("lint")
def lint_text(runtime: Runtime) -> MopsSubcommand:
    def run(command: dict, rest: str) -> dict:
        channel = None
        words = rest.split()
        if len(words) >= 2 and words[0] == "--channel":
            channel, rest = words[1], rest.split(None, 2)[2] if len(words) > 2 else ""
        if not rest.strip():
            return ephemeral(LINT_USAGE)
        try:
            result = lint(rest, rules_for(runtime.policy), channel=channel)
        except UnknownChannelError as exc:
            return ephemeral(f"{escape(str(exc))}. {LINT_USAGE}")
        except ComplianceRulesError as exc:
            return ephemeral(f"The compliance rules have errors: `{escape(exc.errors[0])}`")
        if result.clean:
            return ephemeral(":white_check_mark: No regulated claims or channel issues found.")
        lines = [f"*{len(result.findings)} finding(s)*" + (f" for *{channel}*" if channel else "")]
        for finding in result.findings:
            lines.append(
                f"• `{escape(finding.matched)}`: *{finding.label}* ({finding.severity}). "
                f"{escape(finding.guidance)} Needs *{finding.approver_stage}* approval."
            )
        lines += [f"• {escape(issue.message)}" for issue in result.channel_issues]
        return ephemeral("\n".join(lines))

    return run


def register(app: App, runtime: Runtime) -> None:
    """The subcommand above is registered on import; /mops binds it per runtime."""
