"""Experiments in Slack: `/mops experiment ...`, the pre-registration modal, and results files
shared in an experiment's thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.experiments import flows, forms
from bot.slack.actions import metadata_id
from bot.slack.blocks import echo, ephemeral
from handlers import submissions
from handlers.context import Asker, person_reply_in_thread
from policies import access

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

USAGE = (
    "Usage: `/mops experiment new` · `list` · `show ID` · `edit ID` · `search WORDS` · "
    "`token ID` · `help`"
)
HELP = "\n".join(
    [
        "*Experiments* are planned before any data and judged by the plan's own rule.",
        "• `/mops experiment new`: register the plan (hypothesis, variants, goal and guardrail "
        "metrics, effect size, checkpoints, method, what you'll do with each outcome); it gets "
        "a thread",
        "• Results: upload a CSV in the thread, one row per unit (`arm`, a column per metric, "
        "optional `date`) or daily aggregates (`arm`, `date`, `users`, `METRIC_sum`, "
        "`METRIC_sumsq`); or `mopsbot experiment results ID FILE`; or the warehouse push",
        "• Readouts come at the checkpoints only; in between the thread shows progress",
        "• `/mops experiment edit ID`: a changed plan is a new version; after data arrives every "
        "readout says so",
        "• `/mops experiment token ID`: a token for the warehouse push (shown once)",
        "• `/mops experiment list` · `show ID` · `search WORDS` (hypothesis, metric, outcome)",
    ]
)


def command(
    ack: Ack, command: dict, client: WebClient, runtime: Runtime, asker: Asker, rest: str
) -> None:
    """`/mops experiment ...` (called by /mops with the words after `experiment`)."""
    words = rest.split()
    name, args = (words[0].lower(), words[1:]) if words else ("help", [])
    number = _id(args[0]) if len(args) == 1 else None
    if name == "new" and not args:
        view = forms.plan_form(channel_id=command.get("channel_id"))
        client.views_open(trigger_id=command["trigger_id"], view=view)
        ack()
    elif name == "edit" and number:
        form = flows.edit_form(runtime.db, number, asker.user_id, _is_admin(runtime, asker))
        if isinstance(form, str):
            ack(ephemeral(form))
            return
        client.views_open(trigger_id=command["trigger_id"], view=form)
        ack()
    elif name == "show" and number:
        ack(ephemeral(flows.showing(runtime.db, number)))
    elif name == "list" and not args:
        ack(ephemeral(flows.listing(runtime.db)))
    elif name == "search" and args:
        ack(ephemeral(flows.listing(runtime.db, [w.lower() for w in args[:8]])))
    elif name == "token" and number:
        answer = flows.issue_token(
            runtime.db,
            number,
            actor_id=asker.user_id,
            is_admin=_is_admin(runtime, asker),
            policy_version=runtime.policy.version,
            now=runtime.clock(),
        )
        ack(ephemeral(answer))
    elif name == "help" and not args:
        ack(ephemeral(HELP))
    else:
        ack(ephemeral(f"I didn't understand `/mops experiment {echo(rest)}`. {USAGE}"))


def plan_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    result = flows.register(
        runtime.db,
        values=forms.submitted(view),
        owner_id=asker.user_id,
        policy_version=runtime.policy.version,
        now=runtime.clock(),
        delivery_key=delivery_key,
    )
    submissions.answer(ack, result if isinstance(result, dict) else None)


def edit_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    experiment_id = metadata_id(forms.metadata(view).get("experiment_id"))
    if experiment_id is None:
        ack(response_action="errors", errors={"title": "This form is out of date; open it again."})
        return
    result = flows.amend(
        runtime.db,
        experiment_id=experiment_id,
        values=forms.submitted(view),
        actor_id=asker.user_id,
        is_admin=_is_admin(runtime, asker),
        policy_version=runtime.policy.version,
        now=runtime.clock(),
        delivery_key=delivery_key,
    )
    submissions.answer(ack, result if isinstance(result, dict) else None)


def file_shared(event: dict, runtime: Runtime, delivery_key: str | None) -> None:
    """A file shared in a thread (message subtype file_share): results, if the thread is an
    experiment's."""
    thread_ts = person_reply_in_thread(event)
    if thread_ts is None:
        return
    flows.receive_file(
        runtime.db,
        channel=event["channel"],
        thread_ts=thread_ts,
        user_id=event["user"],
        files=list(event.get("files") or []),
        delivery_key=delivery_key,
        now=runtime.clock(),
    )


def _is_admin(runtime: Runtime, asker: Asker) -> bool:
    actor = asker.actor
    return access.is_ops_admin(runtime.policy, actor.user_id, set(actor.group_ids))


def _id(text: str) -> int | None:
    text = text.lstrip("#")
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None
