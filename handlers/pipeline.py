"""The pipeline in Slack: Claim / Done / Blocked on a task's message (Blocked asks why in a
modal), Launch / Cancel launch on a ready launch, `/mops tasks`, and `/brief schedule ID DATE
TIME` and `/brief live ID` (called from handlers.briefs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack

from bot.pipeline import flows, forms, schedule_words
from bot.slack.actions import ActionId, LaunchRef, TaskRef
from bot.slack.replies import Reply
from handlers import clicks
from handlers.clicks import Click
from handlers.context import Asker

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


# The task buttons that act at once, by action id (Blocked asks why first).
PRESSED = {ActionId.PIPELINE_TASK_CLAIM: "claim", ActionId.PIPELINE_TASK_DONE: "done"}


@clicks.decides(TaskRef.parse)
def pressed(click: Click[TaskRef]) -> None:
    """Claim or Done on a task's message."""
    flows.press(
        click.runtime.db,
        click.runtime.policy,
        button=PRESSED[ActionId(click.action_id)],
        ref=click.button,
        actor=click.actor,
        reply=click.reply,
        delivery_key=click.delivery_key,
        now=click.runtime.clock(),
    )


@clicks.opens_form(TaskRef.parse)
def blocked(click: Click[TaskRef]) -> dict | None:
    """Blocked: a form asks what blocks it, for someone who may change the task."""
    return flows.blocked_form(
        click.runtime.db,
        click.runtime.policy,
        ref=click.button,
        actor=click.actor,
        reply=click.reply,
        delivery_key=click.delivery_key,
    )


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


@clicks.decides(LaunchRef.parse)
def launch(click: Click[LaunchRef]) -> None:
    """Launch (or Cancel launch) on a launch that is ready."""
    flows.answer_launch(
        click.runtime.db,
        click.runtime.policy,
        ref=click.button,
        actor=click.actor,
        confirmed=click.action_id == ActionId.LAUNCH_CONFIRM,
        reply=click.reply,
        delivery_key=click.delivery_key,
        now=click.runtime.clock(),
    )


def my_tasks(rest: str, runtime: Runtime, asker: Asker) -> str:
    """`/mops tasks`: your open tasks, soonest due first."""
    if rest:
        return "`/mops tasks` takes nothing after it: it lists your open tasks."
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
