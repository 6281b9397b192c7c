"""What Slack sends over HTTP, read and checked before Bolt sees it: a form or JSON body that
parses to an object whose envelope (the fields Bolt and our listeners read) has Slack's types.

Slack never sends `"user": 5` or `"actions": {}`; a body like that is not Slack's, and Bolt's own
reading of it (`build_context`, the matchers) fails with a TypeError deep in a listener. Checked
here, it is one clear refusal (`MalformedDelivery`, answered 400) instead of a 500 and a
traceback. Deeper values a person or a forged request can choose (a button's value, a modal's
private_metadata) are still the listeners' to check, through their codecs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationError,
    model_validator,
)

# A Slack id (user, channel, team) or timestamp: Slack's are about 11 to 21 characters, and the
# tables keep them in 32; a longer one is not Slack's (and PostgreSQL would refuse to store it).
SlackId = Annotated[StrictStr, StringConstraints(max_length=32)]


class MalformedDelivery(ValueError):
    """Not a delivery Slack could have sent; the message says why, without echoing the body."""


class _Loose(BaseModel):
    """Slack adds fields over time: unknown ones are kept, known ones must have their type."""

    model_config = ConfigDict(extra="allow")


class Ref(_Loose):
    """`user`, `channel`, `team`, `enterprise` as Slack sends them in interactions."""

    id: SlackId | None = None


class Authorization(_Loose):
    team_id: SlackId | None = None
    user_id: SlackId | None = None
    enterprise_id: SlackId | None = None
    is_enterprise_install: StrictBool | None = None


class Event(_Loose):
    type: StrictStr
    subtype: StrictStr | None = None
    user: SlackId | None = None
    user_team: SlackId | None = None
    team: SlackId | None = None
    channel: SlackId | None = None
    channel_type: StrictStr | None = None
    text: StrictStr | None = None
    ts: SlackId | None = None
    event_ts: SlackId | None = None
    thread_ts: SlackId | None = None
    bot_id: StrictStr | None = None
    tab: StrictStr | None = None
    files: list[dict[str, Any]] | None = None
    view: dict[str, Any] | None = None
    message: dict[str, Any] | None = None


class Action(_Loose):
    action_id: StrictStr
    block_id: StrictStr | None = None
    type: StrictStr | None = None
    value: StrictStr | None = None
    action_ts: SlackId | None = None
    selected_option: dict[str, Any] | None = None
    selected_user: SlackId | None = None
    selected_date: StrictStr | None = None


class State(_Loose):
    # {block_id: {action_id: element state}}
    values: dict[str, dict[str, dict[str, Any]]] = {}


class View(_Loose):
    id: SlackId | None = None
    type: StrictStr | None = None
    callback_id: StrictStr | None = None
    hash: StrictStr | None = None
    private_metadata: StrictStr | None = None
    state: State | None = None
    blocks: list[dict[str, Any]] | None = None
    app_installed_team_id: SlackId | None = None
    team_id: SlackId | None = None


class Container(_Loose):
    type: StrictStr | None = None
    channel_id: SlackId | None = None
    message_ts: SlackId | None = None
    thread_ts: SlackId | None = None
    view_id: SlackId | None = None
    is_ephemeral: StrictBool | None = None


class Message(_Loose):
    ts: SlackId | None = None
    thread_ts: SlackId | None = None
    user: SlackId | None = None


class ResponseUrl(_Loose):
    response_url: StrictStr | None = None


# Interactions that always name the person who acted, as an object with an id.
_BY_A_PERSON = {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"}


class Envelope(_Loose):
    type: StrictStr | None = None
    token: StrictStr | None = None
    team_id: SlackId | None = None
    api_app_id: SlackId | None = None
    enterprise_id: SlackId | None = None
    # slash commands (form fields, so always strings when Slack sends them)
    command: StrictStr | None = None
    text: StrictStr | None = None
    user_id: SlackId | None = None
    channel_id: SlackId | None = None
    trigger_id: StrictStr | None = None
    response_url: StrictStr | None = None
    # interactions
    user: Ref | None = None
    team: Ref | None = None
    channel: Ref | None = None
    enterprise: StrictStr | Ref | None = None
    is_enterprise_install: StrictBool | StrictStr | None = None
    actions: list[Action] | None = None
    view: View | None = None
    container: Container | None = None
    message: Message | None = None
    response_urls: list[ResponseUrl] | None = None
    thread_ts: SlackId | None = None
    # events
    event: Event | None = None
    event_id: StrictStr | None = None
    authorizations: list[Authorization] | None = None
    is_ext_shared_channel: StrictBool | None = None
    challenge: StrictStr | None = None
    workflow_step: dict[str, Any] | None = None  # Bolt reads it for the two kinds below

    @model_validator(mode="after")
    def _complete(self) -> Envelope:
        """What each kind of delivery always carries."""
        if self.command is not None:
            missing = [
                name
                for name in ("user_id", "channel_id", "trigger_id", "text")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"a slash command without {', '.join(missing)}")
        if self.type in _BY_A_PERSON and (self.user is None or not self.user.id):
            raise ValueError(f"a {self.type} payload without the user who acted")
        if self.type == "block_actions" and not self.actions:
            raise ValueError("a block_actions payload without actions")
        if self.type in ("view_submission", "view_closed") and (
            self.view is None
            or not self.view.id
            or self.view.callback_id is None
            or self.view.type is None
        ):
            raise ValueError(f"a {self.type} payload without its view")
        step_kind = self.type == "workflow_step_edit" or (
            self.type == "view_submission" and self.view and self.view.type == "workflow_step"
        )
        if step_kind and self.workflow_step is None:
            raise ValueError(f"a {self.type} payload without its workflow_step")
        if self.type == "event_callback" and (self.event is None or not self.event_id):
            raise ValueError("an event_callback without its event or event_id")
        return self


def parse_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """The body as Slack means it: JSON for events, a form for commands, and a form whose
    `payload` field is JSON for interactions. (Bolt's own reader takes any form containing the
    letters "payload" for an interaction, so `/mops lint our payload` arrived empty.)"""
    try:
        if content_type == "application/json" or raw.startswith("{"):
            parsed: Any = json.loads(raw) if raw else {}
        else:
            fields = dict(parse_qsl(raw, keep_blank_values=True))
            parsed = json.loads(fields["payload"]) if "payload" in fields else fields
    except ValueError as error:  # JSONDecodeError, and parse_qsl's own
        raise MalformedDelivery(f"the body is not JSON or a form Slack sends: {error}") from None
    except RecursionError:
        raise MalformedDelivery("the body is nested deeper than any Slack payload") from None
    if not isinstance(parsed, dict):
        raise MalformedDelivery("the body is not a JSON object")
    try:
        texts = list(_strings(parsed))
    except RecursionError:
        raise MalformedDelivery("the body is nested deeper than any Slack payload") from None
    for text in texts:
        if "\x00" in text:
            raise MalformedDelivery("the body has a NUL character, which PostgreSQL can't store")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # "\ud800" is valid JSON but no text: neither database could store it.
            raise MalformedDelivery(
                "the body has a lone surrogate, which is no character"
            ) from None
    try:
        Envelope.model_validate(parsed)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise MalformedDelivery(f"{where}: {first['msg']}") from None
    return parsed


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed body, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
