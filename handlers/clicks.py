"""The two kinds of button listener, written once: a click that decides, and a click that opens
a form. A listener module declares only what differs (the button's codec and the flow to call).

Both ack at once: a click needs nothing else from the ack (its answer comes as an ephemeral or a
modal), and with `process_before_response` Slack gets the ack when the listener returns, or
handlers.errors' answer in its place when the flow fails. Then the button's value is read
through its codec; an outdated or forged one is refused once per click and nothing else runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.slack.replies import Reply
from handlers.context import Asker, clicked, open_modal, reply_to

if TYPE_CHECKING:
    from bot.app.runtime import Runtime
    from bot.briefs.service import Actor

B = TypeVar("B")  # a button's value, as its codec reads it
R = TypeVar("R")  # what the declared function gives back: None, or a modal to open


@dataclass(frozen=True)
class Click(Generic[B]):
    """A click whose button read well: what it names, who clicked, and where to answer."""

    button: B
    action_id: str
    body: dict
    runtime: Runtime
    asker: Asker
    delivery_key: str | None

    @property
    def actor(self) -> Actor:
        return self.asker.actor

    @property
    def reply(self) -> Reply:
        """The ephemeral address of the click: its channel, and thread when it was in one."""
        return reply_to(self.body)


if TYPE_CHECKING:
    # What a listener module writes, and what Bolt is given in its place.
    Decision = Callable[[Click[B]], None]
    Form = Callable[[Click[B]], dict | None]
    Listener = Callable[..., None]
    # How a button's value is read, and a value that does not parse refused: `clicked` tells
    # the clicker in the channel; the Home tab has no channel, so it draws itself again instead.
    Reader = Callable[[Callable[[str | None], B], dict, dict, Runtime, Asker, str | None], B | None]


def read_in_channel(
    parse: Callable[[str | None], B],
    action: dict,
    body: dict,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> B | None:
    """The default reader: a refusal is told in the channel the button was in."""
    return clicked(parse, action, body, runtime, delivery_key)


def decides(
    parse: Callable[[str | None], B], read: Reader[B] = read_in_channel
) -> Callable[[Decision[B]], Listener]:
    """A button that acts at once: the declared function calls its flow with the click (the
    flow owns the unit of work, the delivery key and the answer)."""
    return lambda decision: _listener(parse, read, decision, _done)


def opens_form(
    parse: Callable[[str | None], B], read: Reader[B] = read_in_channel
) -> Callable[[Form[B]], Listener]:
    """A button that opens a modal: the declared function returns it, or None when its flow
    told the clicker why not (so nobody fills in a form that would be refused)."""
    return lambda form: _listener(parse, read, form, _open)


def _listener(
    parse: Callable[[str | None], B],
    read: Reader[B],
    declared: Callable[[Click[B]], R],
    then: Callable[[R, WebClient, dict, Runtime, str | None], None],
) -> Listener:
    def listener(
        ack: Ack,
        action: dict,
        body: dict,
        client: WebClient,
        runtime: Runtime,
        asker: Asker,
        delivery_key: str | None,
    ) -> None:
        ack()
        button = read(parse, action, body, runtime, asker, delivery_key)
        if button is not None:
            result = declared(
                Click(button, action["action_id"], body, runtime, asker, delivery_key)
            )
            then(result, client, body, runtime, delivery_key)

    return _standing_for(declared, listener)


def _done(result: None, client: WebClient, body: dict, runtime: Runtime, key: str | None) -> None:
    """A decision's flow has answered already."""


def _open(
    view: dict | None, client: WebClient, body: dict, runtime: Runtime, key: str | None
) -> None:
    """The form, once per click (`open_modal`: a retried click's trigger is spent)."""
    if view is not None:
        open_modal(client, body, view, runtime, key)


def _standing_for(declared: Callable[..., object], listener: Listener) -> Listener:
    """The listener under the declared function's module-level name and docstring, so logs and
    the wiring check name it as written. Not `functools.wraps`: its `__wrapped__` would make
    Bolt (which unwraps before reading argument names) inject the declared function's `click`."""
    listener.__module__ = declared.__module__
    listener.__name__ = declared.__name__
    listener.__qualname__ = declared.__qualname__
    listener.__doc__ = declared.__doc__
    return listener
