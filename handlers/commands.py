"""Slash commands: /mops (help, and subcommands the domains add) and /brief."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import Ack, App

from bot.slack.blocks import ephemeral, escape
from handlers.context import actor_for
from policies import access

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

MOPS_USAGE = (
    "Usage: `/mops help` · `/mops stats [30d]` · `/mops digest on|off|time HH:MM` · "
    "`/mops lint &lt;text&gt;` · `/mops policy reload`"
)

HELP_TEXT = "\n".join(
    [
        "*mopsbot* runs briefs, approvals, SLAs and intake for the marketing team.",
        "• `/brief new`: open a brief form; the brief lives in a thread where approvers decide",
        "• `/brief list` · `/brief show ID` · `/brief cancel ID` · `/brief help`",
        "• `/mops stats [30d]`: cycle times, throughput, rework, WIP and the bottleneck",
        '• `/mops digest on|off|time HH:MM`: your daily "waiting on you" DM',
        "• `/mops lint &lt;text&gt;`: check copy for regulated claims and channel limits",
        "• `/mops policy reload`: reload policies/ (ops admins)",
        "Requests posted in an intake channel are triaged automatically.",
    ]
)

# fn(command body, text after the subcommand) -> the ack body (an ephemeral answer)
MopsSubcommand = Callable[[dict, str], dict]
SubcommandFactory = Callable[["Runtime"], MopsSubcommand]
SUBCOMMANDS: dict[str, SubcommandFactory] = {}


def mops_subcommand(name: str) -> Callable[[SubcommandFactory], SubcommandFactory]:
    """Domains add `/mops <name>`: a factory that binds the subcommand to a runtime."""

    def add(factory: SubcommandFactory) -> SubcommandFactory:
        SUBCOMMANDS[name] = factory
        return factory

    return add


@mops_subcommand("policy")
def policy_reload(runtime: Runtime) -> MopsSubcommand:
    def run(command: dict, rest: str) -> dict:
        if rest.strip().lower() != "reload":
            return ephemeral(f"Usage: `/mops policy reload`. {MOPS_USAGE}")
        actor = actor_for(runtime, command["user_id"])
        if not access.is_ops_admin(runtime.policy, actor.user_id, set(actor.group_ids)):
            return ephemeral("Only ops admins can reload the policy.")
        errors = runtime.policies.reload()
        if errors:
            shown = "\n".join(f"• `{escape(error)}`" for error in errors[:20])
            return ephemeral(
                f"The policy file has errors; I kept version `{runtime.policy.version}`.\n{shown}"
            )
        runtime.directory.forget()
        return ephemeral(f"Policy reloaded: version `{runtime.policy.version}`.")

    return run


def register(app: App, runtime: Runtime) -> None:
    subcommands = {name: factory(runtime) for name, factory in SUBCOMMANDS.items()}

    @app.command("/mops")
    def mops(ack: Ack, command: dict) -> None:
        name, _, rest = (command.get("text") or "").strip().partition(" ")
        name = name.lower()
        if name in ("", "help"):
            ack(ephemeral(HELP_TEXT))
        elif name in subcommands:
            ack(subcommands[name](command, rest.strip()))
        else:
            ack(ephemeral(f"I don't know `/mops {escape(name)}`. {MOPS_USAGE}"))

    from handlers import briefs_commands

    briefs_commands.register(app, runtime)
