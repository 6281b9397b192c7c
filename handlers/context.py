"""What every listener may need from a delivery, put in Bolt's `context` by one middleware.

A listener asks for them by name, as for Bolt's own arguments:
`runtime` (the running bot), `delivery_key` (the idempotency key of this delivery, see
`bot.slack.deliveries`) and `asker` (who is asking; their Slack user groups are looked up only
when a listener asks for `asker.actor`, since that may call Slack).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.briefs import flows as briefs
from bot.briefs.service import Actor
from bot.slack import replies
from bot.slack.actions import OUTDATED_BUTTON, MalformedValue
from bot.slack.deliveries import action_key, event_key, first_delivery, view_key
from bot.slack.replies import Reply

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.app.runtime import Runtime


T = TypeVar("T")


class Asker:
    """Who is asking: their user id at once, their `Actor` (with group ids) on first use."""

    def __init__(self, runtime: Runtime, user_id: str, channel_id: str | None = None) -> None:
        self._runtime = runtime
        self.user_id = user_id
        self.channel_id = channel_id  # where they asked, when Slack says (commands, actions)

    @cached_property
    def actor(self) -> Actor:
        runtime = self._runtime
        group_ids = [group.usergroup_id for group in runtime.policy.groups.values()]
        principals = briefs.standing_in_for(
            runtime.db, runtime.policy, self.user_id, runtime.clock()
        )
        return Actor(
            user_id=self.user_id,
            group_ids=runtime.directory.groups_of(self.user_id, group_ids),
            stands_in_for=tuple(
                Actor(person, runtime.directory.groups_of(person, group_ids))
                for person in principals
            ),
        )


class RequestContext(Middleware):
    """Puts `runtime`, `delivery_key` and `asker` into every delivery's context."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # Bolt's name for it
    ) -> BoltResponse | None:
        body = req.body if isinstance(req.body, dict) else {}
        req.context["runtime"] = self.runtime
        req.context["delivery_key"] = delivery_key(body)
        req.context["asker"] = Asker(
            self.runtime, req.context.user_id or "", req.context.channel_id
        )
        return next()


def delivery_key(body: dict) -> str | None:
    """The key that makes a redelivery a no-op, by kind of payload; slash commands have none."""
    kind = body.get("type")
    if kind == "event_callback":
        return event_key(body)
    if kind == "block_actions":
        return action_key(body)
    if kind == "view_submission":
        return view_key(body)
    return None


def reply_to(body: dict) -> Reply:
    """The ephemeral address of an interaction: its channel, and thread when it was in one."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return Reply(
        channel=channel,
        user=body["user"]["id"],
        thread_ts=(body.get("message") or {}).get("thread_ts"),
    )


def person_reply_in_thread(event: dict) -> str | None:
    """The thread a person's message replies in (its parent's ts); None for a top-level message
    (Slack gives a thread's parent a thread_ts equal to its own ts) or one without a person."""
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts") or not event.get("user"):
        return None
    return thread_ts  # as Slack sent it


def first_input(view: dict[str, Any]) -> str | None:
    """The block id of a modal's first input: where an answer about the whole form goes."""
    return next(
        (b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"), None
    )


def clicked(
    parse: Callable[[str | None], T],
    action: dict,
    body: dict,
    runtime: Runtime,
    delivery_key: str | None,
) -> T | None:
    """The clicked button's value, decoded by its codec's `parse`; None when it does not parse
    (an older message's button, or a forged click), after telling the clicker, once per click,
    that nothing was done."""
    try:
        return parse(action.get("value"))
    except MalformedValue:
        replies.tell(runtime.db, reply_to(body), OUTDATED_BUTTON, delivery_key=delivery_key)
        return None


def open_modal(
    client: WebClient, body: dict, view: dict, runtime: Runtime, delivery_key: str | None
) -> None:
    """Open `view` for a click, once per click: Slack's retries of the click (and a
    Socket Mode redelivery) find it claimed and open nothing (their trigger id is spent)."""
    if first_delivery(runtime.db, delivery_key, "modal"):
        client.views_open(trigger_id=body["trigger_id"], view=view)
