"""The snooze buttons of a reminder DM."""

from __future__ import annotations

from bot.sla import flows
from bot.slack.actions import ActionId, BriefRef
from handlers import clicks
from handlers.clicks import Click

SNOOZES = {ActionId.REMINDER_SNOOZE_1H: "1h", ActionId.REMINDER_SNOOZE_1BD: "1bd"}


@clicks.decides(BriefRef.parse)
def snooze(click: Click[BriefRef]) -> None:
    flows.snooze(
        click.runtime.db,
        click.runtime.policy,
        brief_id=click.button.brief_id,
        actor=click.actor,
        option=SNOOZES[ActionId(click.action_id)],
        now=click.runtime.clock(),
        delivery_key=click.delivery_key,
        reply=click.reply,
    )
