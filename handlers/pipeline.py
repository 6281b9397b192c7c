"""The pipeline in Slack: Claim / Done / Blocked on a task's message (Blocked asks why in a
modal), Launch / Cancel launch on a ready launch, `/mops tasks`, and `/brief schedule ID DATE
TIME` and `/brief live ID` (called from handlers.briefs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.pipeline import flows, forms, schedule_words
from bot.slack.actions import ActionId, LaunchRef, TaskRef
from bot.slack.replies import Reply
from handlers.context import Asker, clicked, open_modal, reply_to
from handlers.usage import MOPS_USAGE

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


# The task buttons that act at once, by action id (Blocked asks why first).
PRESSED = {ActionId.PIPELINE_TASK_CLAIM: "claim", ActionId.PIPELINE_TASK_DONE: "done"}


def pressed(
    ack: Ack, action: dict, body: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    """Claim or Done on a task's message."""
    ack()
    ref = clicked(TaskRef.parse, action, body, runtime, delivery_key)
    if ref is not None:
        flows.press(
            runtime.db,
            runtime.policy,
            button=PRESSED[ActionId(action["action_id"])],
            ref=ref,
            actor=asker.actor,
            reply=reply_to(body),
            delivery_key=delivery_key,
            now=runtime.clock(),
        )


def blocked(
    ack: Ack,
    action: dict,
    body: dict,
    client: WebClient,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> None:
    """Blocked: a form asks what blocks it, for someone who may change the task."""
    ack()
    ref = clicked(TaskRef.parse, action, body, runtime, delivery_key)
    if ref is None:
        return
    view = flows.blocked_form(
        runtime.db,
        runtime.policy,
        ref=ref,
        actor=asker.actor,
        reply=reply_to(body),
        delivery_key=delivery_key,
    )
    if view is not None:
        open_modal(client, body, view, runtime, delivery_key)


def blocked_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    ref, reason, channel, thread_ts = forms.blocked_submitted(view)
    if not reason.strip():
        ack(response_action="errors", errors={forms.REASON_BLOCK: "Say what blocks it."})
        return
    ack()
    if ref is None:
        return  # not a form we drew: nothing to change
    flows.block(
        runtime.db,
        runtime.policy,
        ref=ref,
        actor=asker.actor,
        reason=reason,
        reply=Reply(channel, asker.user_id, thread_ts),
        delivery_key=delivery_key,
        now=runtime.clock(),
    )


def launch(
    ack: Ack, action: dict, body: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    """Launch (or Cancel launch) on a launch that is ready."""
    ack()
    ref = clicked(LaunchRef.parse, action, body, runtime, delivery_key)
    if ref is not None:
        flows.answer_launch(
            runtime.db,
            runtime.policy,
            ref=ref,
            actor=asker.actor,
            confirmed=action["action_id"] == ActionId.LAUNCH_CONFIRM,
            reply=reply_to(body),
            delivery_key=delivery_key,
            now=runtime.clock(),
        )


def my_tasks(rest: str, runtime: Runtime, asker: Asker) -> str:
    """`/mops tasks`: your open tasks, soonest due first."""
    if rest:
        return f"`/mops tasks` takes nothing after it: it lists your open tasks. {MOPS_USAGE}"
    return flows.my_tasks(runtime.db, runtime.policy, asker.actor)


def schedule_at(brief_id: int, when: str, runtime: Runtime, asker: Asker) -> str:
    """`/brief schedule ID DATE TIME`, the time on the asker's own clock (Slack's time zone)."""
    zone = runtime.directory.timezone(asker.user_id) or runtime.policy.business_hours.timezone
    moment = schedule_words.parse(when, zone)
    if isinstance(moment, str):
        return moment
    outcome = flows.schedule(
        runtime.db,
        runtime.policy,
        brief_id=brief_id,
        actor=asker.actor,
        launch_at=moment,
        timezone=zone,
        now=runtime.clock(),
    )
    return outcome.message


def go_live(brief_id: int, runtime: Runtime, asker: Asker) -> str:
    outcome = flows.go_live(
        runtime.db, runtime.policy, brief_id=brief_id, actor=asker.actor, now=runtime.clock()
    )
    return outcome.message
