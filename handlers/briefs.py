"""Briefs in Slack: `/brief`, the decision buttons in a brief's thread, and the brief's modals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.briefs import flows, forms
from bot.briefs.overview import LIST_USAGE
from bot.briefs.service import FormErrors, Outcome
from bot.briefs.workflow import Action
from bot.compliance import flows as compliance_flows
from bot.pipeline import schedule_words
from bot.slack.actions import ActionId, BriefRef, metadata_channel, metadata_id
from bot.slack.blocks import echo, ephemeral
from handlers import clicks, people, pipeline, readiness, submissions
from handlers.clicks import Click
from handlers.compliance import answers_at_once
from handlers.context import Asker

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

BRIEF_USAGE = (
    "Usage: `/brief new` · `/brief list [mine|waiting|all]` · `/brief show ID` · `/brief cancel ID [REASON]` · "
    "`/brief reopen ID` · `/brief variants ID` · "
    "`/brief schedule ID [YYYY-MM-DD HH:MM]` · `/brief live ID` · `/brief assign ID @person` · "
    "`/brief override ID approve|changes|reject REASON` · `/brief help`"
)
OVERRIDE_USAGE = (
    "Usage: `/brief override ID [STAGE] approve|changes|reject REASON` (ops admins; the reason "
    "is required and kept in the audit trail; name the stage when several are open)"
)
ASSIGN_USAGE = (
    "Usage: `/brief assign ID [STAGE] @person` (ops admins): the stage waits on them; name the "
    "stage when several are open"
)
OVERRIDES = {
    "approve": Action.APPROVE,
    "changes": Action.REQUEST_CHANGES,
    "reject": Action.REJECT,
}
BRIEF_HELP = "\n".join(
    [
        "*Briefs* go from form to approved work in one thread.",
        "• `/brief new`: fill in the brief form; it is posted with Approve / Request changes / Reject",
        "• `/brief list [mine|waiting|all]`: your open briefs and the ones waiting on you; "
        "`mine` all you filed, `waiting` what waits on you, `all` every open brief (ops admins)",
        "• `/brief show ID`: every field in full, where it stands (stage, who it waits on, when "
        "it is due) and its history",
        "• `/brief cancel ID [REASON]`: cancel a brief (requester or ops admin); without a reason "
        "a form asks for one, and the requester is told",
        "• `/brief reopen ID`: a rejected or cancelled brief back to a draft of the next round, "
        "to edit and resubmit (also the *Reopen* button on the brief)",
        "• `/brief schedule ID 2027-03-01 09:00`: launch it then (your time zone) once every task "
        "is done and its review passed; a *Launch* click in its thread takes it live (some "
        "channels launch by themselves)",
        "• `/brief schedule ID` · `/brief live ID`: after approval, mark it scheduled, then live "
        "now, once nothing blocks it (a brief with regulated claims asks for a *Confirm* click in "
        "its thread first)",
        "• `/brief variants ID`: the bot drafts the brief's channel variants (X, SMS, email "
        "subject and preheader, meta description, LinkedIn) from its master copy; you edit and "
        "accept each in the thread",
        "• `/brief assign ID @person`: hand the waiting stage to one person (ops admins)",
        "• `/brief override ID approve|changes|reject REASON`: decide the waiting stage in place "
        "of its approvers, with a reason (ops admins)",
    ]
)
# The buttons that ask why before deciding.
ASKS_WHY = {
    ActionId.BRIEF_REQUEST_CHANGES: Action.REQUEST_CHANGES,
    ActionId.BRIEF_REJECT: Action.REJECT,
}
ADVANCES = {"schedule": Action.SCHEDULE, "live": Action.GO_LIVE}
LISTS = ("mine", "waiting", "all")
# Subcommands whose first word is a brief's number.
NUMBERED = ("show", "cancel", "reopen", "live", "variants", "schedule")
FIND_NUMBERS = "`/brief list` shows the numbers of yours and of those waiting on you."


# -- /brief ---------------------------------------------------------------------------------


def brief_command(
    ack: Ack, command: dict, client: WebClient, runtime: Runtime, asker: Asker
) -> None:
    words = (command.get("text") or "").split()
    name, args = (words[0].lower(), words[1:]) if words else ("help", [])
    brief_id = _brief_id(args[0]) if len(args) == 1 else None
    if name == "new" and not args:
        client.views_open(
            trigger_id=command["trigger_id"],
            view=forms.brief_form(
                runtime.policy, channel_id=runtime.policy.channels.briefs or command["channel_id"]
            ),
        )
        ack()
    elif name == "list" and len(args) <= 1:
        which = args[0].lower() if args else None
        if which not in (None, *LISTS):
            ack(ephemeral(f"I can list `mine`, `waiting` or `all`. {LIST_USAGE}"))
        else:
            ack(ephemeral(flows.listing(runtime.db, runtime.policy, asker.actor, which)))
    elif name == "show" and brief_id:
        shown = flows.showing(runtime.db, runtime.policy, brief_id, runtime.clock())
        ack(ephemeral(shown or f"There is no brief #{brief_id}. {FIND_NUMBERS}"))
    elif name == "cancel" and args and _brief_id(args[0]):
        answer = _cancel(command, client, runtime, asker)
        if answer:
            ack(ephemeral(answer))
        else:
            ack()
    elif name == "reopen" and brief_id:
        outcome = flows.reopen(
            runtime.db, runtime.policy, brief_id=brief_id, actor=asker.actor, now=runtime.clock()
        )
        ack(ephemeral(outcome.message))
    elif name == "schedule" and len(args) > 1:
        target = _brief_id(args[0])
        when = " ".join(args[1:])
        answer = (
            pipeline.schedule_at(target, when, runtime, asker) if target else schedule_words.USAGE
        )
        ack(ephemeral(answer))
    elif name == "live" and brief_id:
        ack(ephemeral(pipeline.go_live(brief_id, runtime, asker)))
    elif name in ADVANCES and brief_id:
        outcome = compliance_flows.request_advance(
            runtime.db,
            runtime.policy,
            brief_id=brief_id,
            actor=asker.actor,
            action=ADVANCES[name],
            now=runtime.clock(),
        )
        ack(ephemeral(outcome.message))
    elif name == "override" and args:
        ack(ephemeral(_override(command.get("text") or "", runtime, asker)))
    elif name == "assign" and args:
        ack(ephemeral(_assign(args, client, runtime, asker)))
    elif name == "variants" and brief_id:
        answer = readiness.variants_command(brief_id, command, client, runtime, asker)
        if answer:
            ack(ephemeral(answer))
        else:
            ack()
    elif name in NUMBERED and args and _brief_id(args[0]) is None:
        # The whole usage line answers a typo in the number with eleven commands to read.
        ack(
            ephemeral(
                f"`{echo(args[0])}` isn't a brief number, like `/brief {name} 12`. {FIND_NUMBERS}"
            )
        )
    elif name == "help" and not args:
        ack(ephemeral(BRIEF_HELP))
    else:
        ack(ephemeral(f"I didn't understand `/brief {echo(' '.join(words))}`. {BRIEF_USAGE}"))


def _cancel(command: dict, client: WebClient, runtime: Runtime, asker: Asker) -> str | None:
    """`cancel ID REASON...` cancels at once; `cancel ID` asks for the reason in a modal."""
    parts = (command.get("text") or "").strip().split(maxsplit=2)
    brief_id = _brief_id(parts[1])
    assert brief_id is not None
    if len(parts) > 2:
        outcome = flows.cancel(
            runtime.db,
            runtime.policy,
            brief_id=brief_id,
            actor=asker.actor,
            reason=parts[2].strip(),
            now=runtime.clock(),
        )
        return outcome.message
    form = flows.cancel_form(runtime.db, runtime.policy, brief_id=brief_id, actor=asker.actor)
    if isinstance(form, Outcome):
        return form.message
    client.views_open(trigger_id=command["trigger_id"], view=form)
    return None


def _override(text: str, runtime: Runtime, asker: Asker) -> str:
    """`override ID [STAGE] DECISION REASON...`: the reason keeps its own spacing."""
    parts = text.strip().split(maxsplit=2)
    brief_id = _brief_id(parts[1]) if len(parts) > 1 else None
    rest = parts[2].split(maxsplit=2) if len(parts) > 2 else []
    stage = None
    if rest and rest[0].lower() not in OVERRIDES:  # a stage named first
        stage, rest = rest[0], " ".join(rest[1:]).split(maxsplit=1)
    else:
        rest = " ".join(rest).split(maxsplit=1)
    decision = OVERRIDES.get(rest[0].lower()) if rest else None
    if brief_id is None or decision is None:
        return OVERRIDE_USAGE
    reason = rest[1].strip() if len(rest) > 1 else ""
    if not reason:
        return f"Please give a reason after `{rest[0]}`; it is kept in the audit trail."
    outcome = flows.override(
        runtime.db,
        runtime.policy,
        brief_id=brief_id,
        actor=asker.actor,
        action=decision,
        reason=reason,
        now=runtime.clock(),
        stage=stage,
    )
    return outcome.message


def _assign(args: list[str], client: WebClient, runtime: Runtime, asker: Asker) -> str:
    brief_id = _brief_id(args[0]) if len(args) in (2, 3) else None
    if brief_id is None:
        return ASSIGN_USAGE
    stage = args[1] if len(args) == 3 else None
    assignee = people.user_id_of(client, args[-1])
    if assignee is None:
        return f"I can't tell who {echo(args[-1])} is; name one person, like `@sam`."
    outcome = flows.assign(
        runtime.db,
        runtime.policy,
        brief_id=brief_id,
        actor=asker.actor,
        assignee_id=assignee,
        now=runtime.clock(),
        stage=stage,
    )
    return outcome.message


def _brief_id(text: str) -> int | None:
    text = text.lstrip("#")
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


# -- buttons in the brief's thread ----------------------------------------------------------


@clicks.decides(BriefRef.parse)
def approve(click: Click[BriefRef]) -> None:
    flows.decide(
        click.runtime.db,
        click.runtime.policy,
        brief_id=click.button.brief_id,
        expected_version=click.button.version,
        actor=click.actor,
        action=Action.APPROVE,
        now=click.runtime.clock(),
        delivery_key=click.delivery_key,
        reply=click.reply,
    )


@clicks.opens_form(BriefRef.parse)
def ask_why(click: Click[BriefRef]) -> dict | None:
    """Request changes and Reject open a modal that asks why, for someone who may decide; the
    decision comes with it. Anyone else is told why not instead of being handed a form."""
    return flows.reason_form(
        click.runtime.db,
        click.runtime.policy,
        brief_id=click.button.brief_id,
        version=click.button.version,
        actor=click.actor,
        action=ASKS_WHY[ActionId(click.action_id)],
        delivery_key=click.delivery_key,
        reply=click.reply,
    )


@clicks.opens_form(BriefRef.parse)
def show_full(click: Click[BriefRef]) -> dict | None:
    """Show full brief: every field in full, in a modal (the message shortens long ones)."""
    return flows.full_brief(click.runtime.db, click.runtime.policy, click.button.brief_id)


@clicks.decides(BriefRef.parse)
def reopen(click: Click[BriefRef]) -> None:
    """Reopen on a rejected or cancelled brief (the roles in policy `roles.reopen`)."""
    flows.reopen(
        click.runtime.db,
        click.runtime.policy,
        brief_id=click.button.brief_id,
        actor=click.actor,
        now=click.runtime.clock(),
        delivery_key=click.delivery_key,
        reply=click.reply,
    )


@clicks.opens_form(BriefRef.parse)
def edit(click: Click[BriefRef]) -> dict | None:
    """Edit & resubmit: the brief form again, filled in, for the requester."""
    return flows.edit_form(
        click.runtime.db, click.runtime.policy, brief_id=click.button.brief_id, reply=click.reply
    )


# -- modals ---------------------------------------------------------------------------------


def brief_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    if not answers_at_once(runtime):
        submissions.not_yet(ack, view)
        return
    result = flows.create(
        runtime.db,
        runtime.policy,
        requester_id=asker.user_id,
        channel_id=brief_channel(runtime, view),
        values=forms.submitted_values(view),
        now=runtime.clock(),
        delivery_key=delivery_key,
    )
    submissions.answer(ack, result.errors if isinstance(result, FormErrors) else None)


def brief_channel(runtime: Runtime, view: dict) -> str:
    """Where a new brief goes: the policy's brief channel; without one, the channel the form
    was opened in (kept in private_metadata, so read as a channel id, not trusted further)."""
    kept = metadata_channel(forms.metadata(view).get("channel_id"))
    return runtime.policy.channels.briefs or kept or ""


def edit_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    brief_id = metadata_id(forms.metadata(view).get("brief_id"))
    if brief_id is None:
        submissions.outdated(ack, view)
        return
    if not answers_at_once(runtime):
        submissions.not_yet(ack, view)
        return
    result = flows.resubmit(
        runtime.db,
        runtime.policy,
        brief_id=brief_id,
        actor=asker.actor,
        # a refusal is told in the brief's own channel, not in one the form names
        channel_id=flows.reply_in_brief_channel(runtime.db, brief_id, asker.user_id).channel,
        values=forms.submitted_values(view),
        now=runtime.clock(),
        delivery_key=delivery_key,
    )
    submissions.answer(ack, result.errors if isinstance(result, FormErrors) else None)


def reason_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    meta = forms.metadata(view)
    brief_id, version = metadata_id(meta.get("brief_id")), metadata_id(meta.get("version"))
    action = meta.get("action")
    if brief_id is None or action not in forms.REASON_WORDS:  # only what the form asks why for
        submissions.outdated(ack, view)
        return
    reason = (forms.submitted_values(view).get(forms.REASON_BLOCK) or "").strip()
    if not reason:
        ack(response_action="errors", errors={forms.REASON_BLOCK: "Please give a reason."})
        return
    if action == Action.CANCEL:
        flows.cancel(
            runtime.db,
            runtime.policy,
            brief_id=brief_id,
            actor=asker.actor,
            reason=reason,
            now=runtime.clock(),
            delivery_key=delivery_key,
            reply=flows.reply_in_brief_channel(runtime.db, brief_id, asker.user_id),
        )
        ack()
        return
    if version is None:
        submissions.outdated(ack, view)
        return
    flows.decide_with_reason(
        runtime.db,
        runtime.policy,
        brief_id=brief_id,
        expected_version=version,
        actor=asker.actor,
        action=Action(action),
        reason=reason,
        now=runtime.clock(),
        delivery_key=delivery_key,
    )
    ack()
