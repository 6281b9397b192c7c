"""The snooze buttons of a reminder DM."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack

from bot.sla import flows
from bot.slack.actions import ActionId, BriefRef
from handlers.context import Asker, clicked, reply_to

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

SNOOZES = {ActionId.REMINDER_SNOOZE_1H: "1h", ActionId.REMINDER_SNOOZE_1BD: "1bd"}


def snooze(
    ack: Ack,
    action: dict,
    body: dict,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> None:
    ack()
    button = clicked(BriefRef.parse, action, body, runtime, delivery_key)
    if button is None:
        return
    flows.snooze(
        runtime.db,
        runtime.policy,
        brief_id=button.brief_id,
        actor=asker.actor,
        option=SNOOZES[ActionId(action["action_id"])],
        now=runtime.clock(),
        delivery_key=delivery_key,
        reply=reply_to(body),
    )
