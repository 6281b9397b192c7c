"""The App Home: published when opened, and its buttons.

Slack sends a click on the Home tab with a `view` container and no channel or message, so there
is no ephemeral to answer with: the decision buttons' listeners here (matched by `on_home`; the
thread's take every other click) run the thread's own flows and answer by publishing the home
again with the outcome on top.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.briefs import forms
from bot.digests import flows
from bot.digests.home import IntakeQueue
from bot.slack.actions import OUTDATED_BUTTON, ActionId, BriefRef, MalformedValue
from handlers import briefs, clicks
from handlers.clicks import Click
from handlers.context import Asker, open_modal

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

NO_CHANNEL = "Start a brief with `/brief new` in your team's brief channel."


def on_home(body: dict) -> bool:
    """A matcher: the click came from a Home tab."""
    container, view = body.get("container") or {}, body.get("view") or {}
    return container.get("type") == "view" and view.get("type") == "home"


def not_on_home(body: dict) -> bool:
    """A matcher: the click came from anywhere else (a message in a thread or a DM)."""
    return not on_home(body)


def home_opened(event: dict, runtime: Runtime, asker: Asker, delivery_key: str | None) -> None:
    if event.get("tab", "home") != "home":
        return
    flows.publish_home(
        runtime.db,
        runtime.policy,
        asker.actor,
        now=runtime.clock(),
        delivery_key=delivery_key,
        intake=_intake(runtime),
    )


def new_brief(
    ack: Ack,
    body: dict,
    client: WebClient,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> None:
    """New brief: the same form as `/brief new`, posted to the policy's brief channel."""
    ack()
    channel = runtime.policy.channels.briefs
    if not channel:  # a home drawn before the policy lost its brief channel
        _tell_on_home(runtime, asker, NO_CHANNEL)
        return
    form = forms.brief_form(runtime.policy, channel_id=channel)
    open_modal(client, body, form, runtime, delivery_key)


def _read_on_home(
    parse: Callable[[str | None], BriefRef],
    action: dict,
    body: dict,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> BriefRef | None:
    """A button on the Home tab: there is no channel to answer an outdated value in, so the
    home is drawn again with the refusal on top."""
    try:
        return parse(action.get("value"))
    except MalformedValue:
        _tell_on_home(runtime, asker, OUTDATED_BUTTON)
        return None


@clicks.decides(BriefRef.parse, read=_read_on_home)
def approve(click: Click[BriefRef]) -> None:
    flows.approve_from_home(
        click.runtime.db,
        click.runtime.policy,
        click.actor,
        brief_id=click.button.brief_id,
        version=click.button.version,
        now=click.runtime.clock(),
        delivery_key=click.delivery_key,
        intake=_intake(click.runtime),
    )


@clicks.opens_form(BriefRef.parse, read=_read_on_home)
def ask_why(click: Click[BriefRef]) -> dict | None:
    """Request changes and Reject: the thread's reason form."""
    return flows.reason_form_from_home(
        click.runtime.db,
        click.runtime.policy,
        click.actor,
        brief_id=click.button.brief_id,
        version=click.button.version,
        action=briefs.ASKS_WHY[ActionId(click.action_id)],
        now=click.runtime.clock(),
        delivery_key=click.delivery_key,
        intake=_intake(click.runtime),
    )


def from_home(view: dict) -> bool:
    """A matcher: a modal opened from the Home tab."""
    return flows.opened_from_home(view)


def not_from_home(view: dict) -> bool:
    return not flows.opened_from_home(view)


def reason_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    """A reason form opened from the Home tab: decided as the thread's form is, then the home
    is drawn again, since the person goes back to it with the old buttons on screen."""
    briefs.reason_submitted(ack, view, runtime, asker, delivery_key)
    flows.refresh_home(
        runtime.db, runtime.policy, asker.actor, now=runtime.clock(), intake=_intake(runtime)
    )


def _tell_on_home(runtime: Runtime, asker: Asker, notice: str) -> None:
    """The Home tab has no channel for an ephemeral: it is drawn again with `notice` on top."""
    flows.refresh_home(
        runtime.db,
        runtime.policy,
        asker.actor,
        now=runtime.clock(),
        notice=notice,
        intake=_intake(runtime),
    )


def _intake(runtime: Runtime) -> IntakeQueue:
    return IntakeQueue(runtime.intake_routes(), runtime.names())
