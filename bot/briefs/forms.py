"""Modals built from the brief template, and reading their submitted values back."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UrlInputElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.actions import ViewId
from policies.schema import Policy
from policies.template import NUMBER_HINT, TemplateField

ELEMENT_ID = "value"
REASON_BLOCK = "reason"


def brief_form(
    policy: Policy,
    *,
    channel_id: str,
    initial: dict[str, Any] | None = None,
    brief_id: int | None = None,
) -> dict:
    """The /brief new modal (or, with brief_id, the edit-and-resubmit modal)."""
    template = policy.workflows.brief.template
    blocks = [_input_block(field, (initial or {}).get(field.id)) for field in template.fields]
    metadata: dict[str, str | int] = {
        "channel_id": channel_id,
        "template_version": str(template.version),
    }
    if brief_id is not None:
        metadata["brief_id"] = brief_id
    view = View(
        type="modal",
        callback_id=ViewId.BRIEF_EDIT if brief_id is not None else ViewId.BRIEF_FORM,
        title="Edit brief" if brief_id is not None else "New brief",
        submit="Resubmit" if brief_id is not None else "Submit",
        close="Cancel",
        blocks=blocks,
        private_metadata=json.dumps(metadata),
    )
    return view.to_dict()


def _input_block(field: Any, initial: Any) -> InputBlock:
    element = _element(field, initial)
    return InputBlock(
        block_id=field.id,
        label=field.label[:2000],
        element=element,
        optional=not field.required,
        hint=field.help or (NUMBER_HINT if field.type == "number" else None),
    )


def _element(field: TemplateField, initial: Any) -> InputInteractiveElement:
    placeholder = getattr(field, "placeholder", None)
    text = None if initial in (None, "") else str(initial)
    if field.type == "select":
        options = [Option(value=choice, label=choice) for choice in field.choices or []]
        chosen = next((option for option in options if option.value == text), None)
        return StaticSelectElement(
            action_id=ELEMENT_ID,
            options=options,
            initial_option=chosen,
            placeholder=placeholder or "Choose one",
        )
    if field.type == "date":
        return DatePickerElement(
            action_id=ELEMENT_ID, initial_date=text, placeholder=placeholder or "Pick a date"
        )
    if field.type == "number":
        return NumberInputElement(
            action_id=ELEMENT_ID, is_decimal_allowed=True, initial_value=text, min_value="0"
        )
    if field.type == "url":  # Slack's link box: the web-address keyboard on phones
        return UrlInputElement(action_id=ELEMENT_ID, initial_value=text, placeholder=placeholder)
    if field.type == "user":
        return UserSelectElement(
            action_id=ELEMENT_ID, initial_user=text, placeholder=placeholder or "Choose a person"
        )
    # text and textarea are plain text inputs; the template validates them on submit,
    # so the same rules apply whatever client the person uses.
    return PlainTextInputElement(
        action_id=ELEMENT_ID,
        multiline=field.type == "textarea",
        initial_value=text,
        placeholder=placeholder,
        max_length=getattr(field, "max_length", None),
    )


def submitted_values(view: dict) -> dict[str, str | None]:
    """{block_id: value} from a view_submission's state, whatever the element type."""
    values: dict[str, str | None] = {}
    for block_id, elements in ((view.get("state") or {}).get("values") or {}).items():
        element: dict[str, Any] = elements.get(ELEMENT_ID) or next(iter(elements.values()), {})
        values[block_id] = _element_value(element)
    return values


def _element_value(element: dict) -> str | None:
    kind = element.get("type")
    if kind == "static_select":
        option = element.get("selected_option")
        return option.get("value") if option else None
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "users_select":
        return element.get("selected_user")
    return element.get("value")


def metadata(view: dict) -> dict[str, Any]:
    """The modal's private_metadata as the bot wrote it, or {} when it is not a JSON object
    (its values are still to be read through the codecs in bot.slack.actions)."""
    try:
        loaded = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


# action -> (modal title, question)
REASON_WORDS = {
    "request_changes": ("Request changes", "What needs to change?"),
    "reject": ("Reject brief", "Why reject this brief?"),
    "cancel": ("Cancel brief", "Why cancel this brief?"),
}


def reason_form(*, brief_id: int, version: int, action: str, title: str) -> dict:
    """Request changes, Reject and Cancel ask why; the answer is posted in the thread, and the
    requester is mentioned with it."""
    title_words, label = REASON_WORDS[action]
    view = View(
        type="modal",
        callback_id=ViewId.BRIEF_REASON,
        title=title_words,
        submit="Send",
        close="Back",
        private_metadata=json.dumps({"brief_id": brief_id, "version": version, "action": action}),
        blocks=[
            InputBlock(
                block_id=REASON_BLOCK,
                label=label[:2000],
                hint=f"Posted in the thread of brief #{brief_id}: {title}"[:2000],
                element=PlainTextInputElement(
                    action_id=ELEMENT_ID, multiline=True, min_length=1, max_length=2000
                ),
            )
        ],
    )
    return view.to_dict()
