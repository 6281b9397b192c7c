"""views.* methods: modals on a per-user stack (open, push, update) and the App Home (publish)."""

from __future__ import annotations

import time
from typing import Any

from bot.emulator.api import ApiCall, Method, SlackError
from bot.emulator.validation import view_errors, with_ids
from bot.emulator.workspace import Workspace

MAX_STACK = 3


def _plain(value: Any) -> Any:
    return {"type": "plain_text", "text": value, "emoji": True} if isinstance(value, str) else value


def _view(call: ApiCall, **ids: Any) -> dict[str, Any]:
    return build_view(call.workspace, call.args.json("view"), **ids)


def build_view(
    ws: Workspace,
    raw: Any,
    *,
    view_id: str | None = None,
    root_id: str | None = None,
    previous_id: str | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """The view as Slack stores and returns it: checked, ids and a fresh hash filled in."""
    if not isinstance(raw, dict):
        raise SlackError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] missing required field: view"]},
        )
    errors = view_errors(raw)
    if kind and raw.get("type") != kind:
        errors.append(f"view type must be {kind!r} [json-pointer:/view/type]")
    if errors:
        raise SlackError(
            "invalid_blocks",
            errors=errors,
            response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
        )
    team_id = ws.seed.team.id
    view_id = view_id or ws.next_id("V", 10)
    view: dict[str, Any] = {
        "id": view_id,
        "team_id": team_id,
        "type": raw["type"],
        "blocks": with_ids(raw.get("blocks", [])),
        "private_metadata": raw.get("private_metadata", ""),
        "callback_id": raw.get("callback_id", ""),
        "external_id": raw.get("external_id", ""),
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{ws.next_id('', 8)}",
        "clear_on_close": bool(raw.get("clear_on_close", False)),
        "notify_on_close": bool(raw.get("notify_on_close", False)),
        "root_view_id": root_id or view_id,
        "previous_view_id": previous_id,
        "app_id": ws.seed.app_id,
        "app_installed_team_id": team_id,
        "bot_id": ws.seed.bot.bot_id,
    }
    for key in ("title", "submit", "close"):
        view[key] = _plain(raw.get(key))
    return view


def _trigger_user(call: ApiCall) -> str:
    user, error = call.workspace.use_trigger(call.args.text("trigger_id"), call.trigger_ttl)
    if error:
        raise SlackError(error)
    assert user is not None
    return user


def open_view(call: ApiCall) -> dict[str, Any]:
    view = _view(call, kind="modal")
    user = _trigger_user(call)
    call.workspace.set_view_stack(user, [view], "view_opened")
    return {"view": view}


def push_view(call: ApiCall) -> dict[str, Any]:
    user = _trigger_user(call)
    with call.workspace.lock:
        stack = list(call.workspace.view_stacks.get(user) or [])
        if not stack:
            raise SlackError("not_found")
        if len(stack) >= MAX_STACK:
            raise SlackError("push_limit_reached")
        view = _view(call, kind="modal", root_id=stack[0]["id"], previous_id=stack[-1]["id"])
        call.workspace.set_view_stack(user, [*stack, view], "view_opened")
    return {"view": view}


def update_view(call: ApiCall) -> dict[str, Any]:
    view_id, external_id = call.args.text("view_id"), call.args.text("external_id")
    if not view_id and not external_id:
        raise SlackError("invalid_arguments")
    ws = call.workspace
    with ws.lock:
        place = ws.find_view(view_id, external_id)
        if place is None:
            raise SlackError("not_found")
        user, where, index = place
        old = ws.homes[user] if where == "home" else ws.view_stacks[user][index]
        expected = call.args.text("hash")
        if expected and expected != old["hash"]:
            raise SlackError("hash_conflict")
        view = _view(
            call,
            view_id=old["id"],
            root_id=old["root_view_id"],
            previous_id=old["previous_view_id"],
        )
        if where == "home":
            ws.set_home(user, view)
        else:
            stack = list(ws.view_stacks[user])
            stack[index] = view
            ws.set_view_stack(user, stack, "view_updated")
    return {"view": view}


def publish(call: ApiCall) -> dict[str, Any]:
    user = call.user_id("user_id")
    ws = call.workspace
    with ws.lock:
        old = ws.homes.get(user)
        expected = call.args.text("hash")
        if old and expected and expected != old["hash"]:
            raise SlackError("hash_conflict")
        view = _view(call, kind="home", view_id=old["id"] if old else None)
        ws.set_home(user, view)
    return {"view": view}


METHODS: dict[str, Method] = {
    "views.open": open_view,
    "views.push": push_view,
    "views.update": update_view,
    "views.publish": publish,
}
