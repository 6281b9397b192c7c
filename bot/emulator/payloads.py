"""Slack's interaction payloads: finding a clickable element, and a modal's `state.values`.

The shapes follow what Slack sends for each element type, so handlers that work here work there.
Slack's client refuses to submit a modal with an empty required field or a malformed number;
`view_state` returns those refusals as errors, as the person would see them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.emulator.workspace import Workspace

TEXT_INPUTS = {
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "rich_text_input",
}
ONE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
MANY_OPTIONS = {"multi_static_select", "multi_external_select", "checkboxes"}
# element type -> (state key, how the workspace resolves a name)
PICKERS = {
    "users_select": ("selected_user", "user"),
    "multi_users_select": ("selected_users", "user"),
    "conversations_select": ("selected_conversation", "channel"),
    "multi_conversations_select": ("selected_conversations", "channel"),
    "channels_select": ("selected_channel", "channel"),
    "multi_channels_select": ("selected_channels", "channel"),
}
REQUIRED = "Please fill out this field."


def interactive_elements(blocks: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(block_id, element) for everything a person can click or pick outside input blocks."""
    found: list[tuple[str, dict[str, Any]]] = []
    for block in blocks:
        block_id = block.get("block_id", "")
        if block.get("type") == "actions":
            found += [(block_id, e) for e in block.get("elements") or []]
        elif block.get("type") == "section" and block.get("accessory"):
            found.append((block_id, block["accessory"]))
        elif block.get("type") == "input" and block.get("dispatch_action"):
            found.append((block_id, block.get("element") or {}))
    return [(b, e) for b, e in found if e.get("type") not in (None, "image")]


def find_element(
    blocks: list[dict[str, Any]], target: str, value: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The element whose action_id or visible text is `target`; `value` tells twins apart."""
    elements = interactive_elements(blocks)
    matches = [
        (b, e)
        for b, e in elements
        if e.get("action_id") == target
        or (e.get("text") or {}).get("text", "").strip().lower() == target.strip().lower()
    ]
    if value is not None:
        matches = [(b, e) for b, e in matches if e.get("value") == value] or matches
    if len(matches) == 1:
        return matches[0]
    described = (
        ", ".join(
            f"{(e.get('text') or {}).get('text', e.get('type'))!r} ({e.get('action_id')})"
            for _, e in elements
        )
        or "none"
    )
    problem = "several elements match" if matches else "no element matches"
    raise LookupError(f"{problem} {target!r}; the clickable elements are: {described}")


def find_option(element: dict[str, Any], wanted: str) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    for option in options:
        if wanted in (option.get("value"), (option.get("text") or {}).get("text")):
            return option
    labels = ", ".join(repr((o.get("text") or {}).get("text")) for o in options)
    raise ValueError(f"{wanted!r} is not one of the options ({labels})")


def input_blocks(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view.get("blocks") or [] if b.get("type") == "input"]


def _key_for(block: dict[str, Any], values: dict[str, Any]) -> str | None:
    element = block.get("element") or {}
    label = ((block.get("label") or {}).get("text") or "").strip().lower()
    for key in values:
        if key in (block.get("block_id"), element.get("action_id")) or key.strip().lower() == label:
            return key
    return None


def view_state(
    ws: Workspace, view: dict[str, Any], values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(`view.state` as Slack sends it, client-side errors by block_id) for a submission.
    `values` are keyed by block_id, action_id or label; unnamed inputs keep what they hold."""
    state: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    used: set[str] = set()
    previous = (view.get("state") or {}).get("values") or {}
    for block in input_blocks(view):
        block_id, element = block.get("block_id", ""), block.get("element") or {}
        action_id = element.get("action_id", "")
        key = _key_for(block, values)
        if key is not None:
            used.add(key)
            try:
                entry = _entry(ws, element, values[key])
            except InvalidDate as invalid:  # typed, not picked: the picker says so inline
                entry = _entry(ws, element, None)
                errors[block_id] = str(invalid)
                state[block_id] = {action_id: entry}
                continue
        else:
            entry = previous.get(block_id, {}).get(action_id) or _entry(ws, element, None, True)
        state[block_id] = {action_id: entry}
        problem = _client_check(element, entry, optional=bool(block.get("optional")))
        if problem:
            errors[block_id] = problem
    unknown = set(values) - used
    if unknown:
        labels = ", ".join(repr((b.get("label") or {}).get("text")) for b in input_blocks(view))
        raise KeyError(f"no input named {sorted(unknown)} in this modal (inputs: {labels})")
    return {"values": state}, errors


def _entry(
    ws: Workspace, element: dict[str, Any], raw: Any, initial: bool = False
) -> dict[str, Any]:
    kind = element.get("type", "")
    entry: dict[str, Any] = {"type": kind}
    empty = raw is None or raw == "" or raw == []
    if kind in TEXT_INPUTS:
        source = element.get("initial_value") if initial else raw
        entry["value"] = None if source in (None, "") else str(source)
    elif kind in ONE_OPTION:
        entry["selected_option"] = (
            element.get("initial_option")
            if initial
            else None
            if empty
            else find_option(element, str(raw))
        )
    elif kind in MANY_OPTIONS:
        chosen = [raw] if isinstance(raw, str) else list(raw or [])
        entry["selected_options"] = (
            element.get("initial_options") or []
            if initial
            else [find_option(element, str(c)) for c in chosen]
        )
    elif kind == "datepicker":
        raw = raw.isoformat() if isinstance(raw, dt.date) else raw
        entry["selected_date"] = (
            element.get("initial_date") if initial else (None if empty else _date(str(raw)))
        )
    elif kind == "timepicker":
        entry["selected_time"] = element.get("initial_time") if initial else (raw or None)
    elif kind in PICKERS:
        key, resolve = PICKERS[kind]
        many = kind.startswith("multi_")
        initial_key = "initial_" + key.removeprefix("selected_")
        if initial:
            entry[key] = element.get(initial_key) or ([] if many else None)
        else:
            names = ([raw] if isinstance(raw, str) else list(raw or [])) if many else [raw]
            ids = [_resolve(ws, resolve, str(n)) for n in names if n not in (None, "")]
            entry[key] = ids if many else (ids[0] if ids else None)
    else:
        entry["value"] = None if empty else raw
    return entry


class InvalidDate(ValueError):
    """A date typed into a date picker that is no date: Slack's picker refuses it inline and
    keeps the rest of the form, and so does the emulator."""


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InvalidDate(
            f"{text.strip()} is not a date. Please enter one as YYYY-MM-DD, like 2027-03-01."
        ) from None


def _resolve(ws: Workspace, kind: str, name: str) -> str:
    found = ws.user(name) if kind == "user" else ws.channel(name)
    if found is None:
        raise ValueError(f"no {kind} {name!r} in the emulated workspace")
    return found.id


def _client_check(element: dict[str, Any], entry: dict[str, Any], optional: bool) -> str | None:
    """What Slack's own client refuses before anything reaches the bot."""
    filled = [v for k, v in entry.items() if k != "type" and v not in (None, "", [])]
    if not filled:
        return None if optional else REQUIRED
    value = entry.get("value")
    if entry["type"] == "number_input" and value is not None:
        try:
            number = float(value) if element.get("is_decimal_allowed") else int(value)
        except ValueError:
            return (
                "Please enter a number."
                if element.get("is_decimal_allowed")
                else ("Please enter a whole number.")
            )
        low, high = element.get("min_value"), element.get("max_value")
        if low is not None and number < float(low):
            return f"Please enter a number of at least {low}."
        if high is not None and number > float(high):
            return f"Please enter a number of at most {high}."
    if isinstance(value, str) and entry["type"] == "plain_text_input":
        if element.get("min_length") and len(value) < int(element["min_length"]):
            return f"Please use at least {element['min_length']} characters."
        if element.get("max_length") and len(value) > int(element["max_length"]):
            return f"Please use at most {element['max_length']} characters."
    if entry["type"] == "email_text_input" and value and "@" not in value:
        return "Please enter an email address."
    return None


def picked(element: dict[str, Any], value: str) -> dict[str, Any]:
    """The action entry's selection for a select, picker or overflow, as Slack reports it."""
    kind = element.get("type", "")
    if kind in ("static_select", "overflow", "radio_buttons", "external_select"):
        return {"selected_option": find_option(element, value)}
    if kind in ("multi_static_select", "checkboxes"):
        return {"selected_options": [find_option(element, value)]}
    if kind == "datepicker":
        return {"selected_date": value}
    if kind == "users_select":
        return {"selected_user": value}
    if kind in ("conversations_select", "channels_select"):
        return {"selected_conversation" if kind.startswith("conv") else "selected_channel": value}
    return {"value": value}
