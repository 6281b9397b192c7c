"""`/mops`: help, policy reload, and the subcommands of the domains, wired in one table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.slack import health as bot_health
from bot.slack.blocks import echo, ephemeral, escape
from handlers import (
    away,
    compliance,
    digests,
    experiments,
    flow,
    insights,
    intake,
    pipeline,
    privacy,
)
from handlers.context import Asker
from handlers.usage import MOPS_USAGE
from policies import access

if TYPE_CHECKING:
    from bot.app.readiness import Check
    from bot.app.runtime import Runtime

HELP_TEXT = "\n".join(
    [
        "*mopsbot* runs briefs, approvals, SLAs and intake for the marketing team.",
        "• `/brief new`: open a brief form; the brief lives in a thread where approvers decide",
        "• `/brief list` · `/brief show ID` · `/brief cancel ID` · `/brief help`",
        "• `/mops stats [30d]`: cycle times, throughput, rework, WIP and the bottleneck",
        "• `/mops forecast [spike=2] [legal=3] [chart]`: capacity per stage, what-ifs, done dates",
        "• `/mops goals`: the team's goals and how it is doing · `/mops scorecard`: what to automate next",
        '• `/mops digest [on|off|time 10:30]`: your daily "waiting on you" DM, if you want one',
        "• `/mops away until YYYY-MM-DD [@delegate]` · `/mops away off` · `/mops away`: out of "
        "office; your delegate decides your stages and gets your reminders",
        "• `/mops lint [--channel NAME] &lt;text&gt;`: check copy for regulated claims and channel "
        "limits",
        "• `/mops intake`: the open intake requests (@triage and ops admins)",
        "• `/mops tasks`: your open tasks from approved briefs, soonest due first",
        "• `/mops experiment new|list|show|search`: pre-registered experiments and their readouts",
        "• `/mops policy reload`: reload policies/ (ops admins)",
        "• `/mops health`: channels I can't post in, messages and work waiting, what was sent, "
        "and what else needs an admin (ops admins)",
        "• `/mops forget @person`: remove what they typed and their settings, for a privacy "
        "request; you confirm first (ops admins)",
        "Requests posted in an intake channel are triaged automatically: each gets a number, "
        "the team it goes to claims it and marks it done, and you follow along in its thread.",
    ]
)


def policy_reload(rest: str, runtime: Runtime, asker: Asker) -> str:
    """`/mops policy reload` (ops admins): a policy with errors is reported and not used."""
    if rest.strip().lower() != "reload":
        return (
            "Usage: `/mops policy reload` (ops admins): read the policy files again; one with "
            "errors is reported and not used."
        )
    actor = asker.actor
    if not access.is_ops_admin(runtime.policy, actor.user_id, set(actor.group_ids)):
        return "Only ops admins can reload the policy."
    errors = runtime.policies.reload()
    if errors:
        shown = "\n".join(f"• `{escape(error)}`" for error in errors[:20])
        return f"The policy file has errors; I kept version `{runtime.policy.version}`.\n{shown}"
    runtime.directory.forget()
    return f"Policy reloaded: version `{runtime.policy.version}`."


def health(rest: str, runtime: Runtime, asker: Asker) -> str:
    """`/mops health` (ops admins): what needs an admin, problems first."""
    actor = asker.actor
    if not access.is_ops_admin(runtime.policy, actor.user_id, set(actor.group_ids)):
        return "Only ops admins can see the bot's health."
    now = runtime.clock()
    return bot_health.render(
        [
            bot_health.channel_section(runtime.client, runtime.policy, runtime.db, now),
            readiness_section(runtime.readiness()),
            *runtime.health_sections(),
        ]
    )


def readiness_section(checks: Sequence[Check]) -> bot_health.Section:
    """The facts /readyz gives a load balancer, for the admin: what is not ready first, in bold,
    so it stands out from the facts that are (some of which still say what to look at)."""
    ok = all(c.ok for c in checks)
    lines = [
        c.detail[:1].upper() + c.detail[1:] if c.ok else f"*{c.detail[:1].upper()}{c.detail[1:]}*"
        for c in sorted(checks, key=lambda c: c.ok)
    ]
    return bot_health.Section("Ready for Slack's traffic" if ok else "Not ready", ok, lines)


# (the words after the subcommand, the runtime, who is asking) -> the answer, to them only
Subcommand = Callable[[str, "Runtime", Asker], str]
SUBCOMMANDS: dict[str, Subcommand] = {
    "stats": flow.stats,
    "forecast": flow.forecast,
    "scorecard": insights.scorecard,
    "goals": insights.goals,
    "digest": digests.digest_settings,
    "lint": compliance.lint_text,
    "policy": policy_reload,
    "intake": intake.queue,
    "tasks": pipeline.my_tasks,
    "away": away.away_settings,
    "health": health,
}


def mops_command(
    ack: Ack, respond: Respond, command: dict, client: WebClient, runtime: Runtime, asker: Asker
) -> None:
    name, _, rest = (command.get("text") or "").strip().partition(" ")
    name = name.lower()
    if name == "experiment":  # may open a modal, so it gets the client and the command
        experiments.command(ack, command, client, runtime, asker, rest.strip())
    elif name == "forget":  # answers with buttons (Forget / Cancel), not only words
        ack(privacy.forget_command(rest.strip(), runtime, asker))
    elif name in ("", "help"):
        ack(ephemeral(HELP_TEXT))
    elif name == "lint" and not compliance.answers_at_once(runtime):
        # Slack shows "operation_timeout" to a command not acked in 3 s, and nothing else; the
        # ack is sent when this listener returns (process_before_response), so the answer
        # follows from a thread of its own through the command's response_url
        ack(ephemeral(compliance.STILL_LOADING))
        compliance.answer_later(rest.strip(), runtime, asker, respond)
    elif name in SUBCOMMANDS:
        ack(ephemeral(SUBCOMMANDS[name](rest.strip(), runtime, asker)))
    else:
        ack(ephemeral(f"I don't know `/mops {echo(name)}`. {MOPS_USAGE}"))
