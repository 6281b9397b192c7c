"""`/mops forget @person` (ops admins): what the bot holds of them, then Forget / Cancel.

Who may is decided from the signed request's user, at the command and again at the click (the
button's value only names whom to forget); the click's delivery key makes a retry do nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.privacy import flows, messages
from bot.slack import replies
from bot.slack.actions import ActionId, PersonRef
from bot.slack.blocks import ephemeral, escape
from handlers import clicks, people
from handlers.clicks import Click
from handlers.context import Asker
from policies import access

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


def _is_ops_admin(runtime: Runtime, asker: Asker) -> bool:
    actor = asker.actor
    return access.is_ops_admin(runtime.policy, actor.user_id, set(actor.group_ids))


def forget_command(rest: str, runtime: Runtime, asker: Asker) -> dict:
    """The ack: a refusal, the usage, or what would be removed with the buttons to decide."""
    if not _is_ops_admin(runtime, asker):
        return ephemeral(messages.ONLY_OPS_ADMINS)
    words = rest.split()
    if len(words) != 1:
        return ephemeral(messages.FORGET_USAGE)
    user_id = people.user_id_of(runtime.client, words[0])
    if user_id is None:
        return ephemeral(
            f"I can't tell who {escape(words[0])} is; name one person, like `@sam`. "
            f"{messages.FORGET_USAGE}"
        )
    return messages.preview(
        user_id, flows.holding(runtime.db, user_id, runtime.settings.intake_model_dir)
    )


@clicks.decides(PersonRef.parse)
def forget_clicked(click: Click[PersonRef]) -> None:
    """Forget or Cancel under what `/mops forget` found; who may is checked again here."""
    runtime, delivery_key, reply = click.runtime, click.delivery_key, click.reply
    if not _is_ops_admin(runtime, click.asker):
        replies.tell(runtime.db, reply, messages.ONLY_OPS_ADMINS, delivery_key=delivery_key)
        return
    if click.action_id == ActionId.PRIVACY_KEEP:
        replies.tell(runtime.db, reply, messages.KEPT_ALL, delivery_key=delivery_key)
        return
    flows.forget_person(
        runtime.db,
        runtime.policy,
        actor_id=click.asker.user_id,
        user_id=click.button.user_id,
        reply=reply,
        now=runtime.clock(),
        delivery_key=delivery_key,
        model_dir=runtime.settings.intake_model_dir,
    )
