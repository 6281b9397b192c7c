"""Block Kit checks the way Slack applies them: a bad block rejects the whole call.

slack_sdk's models carry most of Slack's documented limits; on top of them we check what the
models let through but Slack refuses (unknown types, empty texts, repeated block ids, and the
limits in `_limit_errors`: an option's text 75 and value 150 characters, a section field 2000,
any text object 3000, a text input's initial value 3000).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_OBJECT = 3000  # Block Kit reference, "Text object": text
MAX_FIELD_TEXT = 2000  # "Section block": each of fields
MAX_OPTION_TEXT = 75  # "Option object": text and description
MAX_OPTION_VALUE = 150  # "Option object": value
MAX_INITIAL_VALUE = 3000  # "Plain-text input element": initial_value (its max_length, at most)


def block_errors(blocks: Any, limit: int = MAX_MESSAGE_BLOCKS, path: str = "/blocks") -> list[str]:
    """Slack's `errors` list for invalid blocks; empty when all are valid."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{path}]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{path}]")
    seen_ids: set[str] = set()
    for index, raw in enumerate(blocks):
        where = f"{path}/{index}"
        if not isinstance(raw, dict):
            errors.append(f"must be an object [json-pointer:{where}]")
            continue
        parsed = Block.parse(raw)
        if parsed is None:
            errors.append(f"unsupported type: {raw.get('type')!r} [json-pointer:{where}/type]")
            continue
        try:
            parsed.validate_json()
            parsed.to_dict()  # validates the nested elements and text objects too
        except (SlackObjectFormationError, AttributeError, TypeError, ValueError) as exc:
            errors.append(f"{exc} [json-pointer:{where}]")
        errors += _empty_texts(raw, where)
        errors += _limit_errors(raw, where)
        block_id = raw.get("block_id")
        if block_id is not None:
            if block_id in seen_ids:
                errors.append(f"duplicate block_id {block_id!r} [json-pointer:{where}/block_id]")
            seen_ids.add(block_id)
    return errors


def view_errors(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    errors = block_errors(view.get("blocks", []), MAX_VIEW_BLOCKS, "/view/blocks")
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, AttributeError, TypeError, ValueError) as exc:
        errors.append(f"{exc} [json-pointer:/view]")
    if view.get("type") == "modal" and not view.get("title"):
        errors.append("missing required field: title [json-pointer:/view/title]")
    return errors


def _empty_texts(node: Any, where: str) -> list[str]:
    """Text objects must hold at least one character; the models accept empty strings."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and "text" in node and not node["text"]:
            found.append(f"must be more than 0 characters [json-pointer:{where}/text]")
        for key, value in node.items():
            found += _empty_texts(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _empty_texts(value, f"{where}/{index}")
    return found


def _limit_errors(node: Any, where: str) -> list[str]:
    """Documented limits the slack_sdk models do not check."""
    found: list[str] = []
    if isinstance(node, dict):
        text = node.get("text")
        is_text = node.get("type") in ("plain_text", "mrkdwn") and isinstance(text, str)
        if is_text and len(str(text)) > MAX_TEXT_OBJECT:
            found.append(_too_long(MAX_TEXT_OBJECT, f"{where}/text"))
        for index, field in enumerate(node.get("fields") or []):
            if isinstance(field, dict) and len(str(field.get("text") or "")) > MAX_FIELD_TEXT:
                found.append(_too_long(MAX_FIELD_TEXT, f"{where}/fields/{index}/text"))
        for key in ("options", "initial_options"):
            for index, option in enumerate(node.get(key) or []):
                found += _option_errors(option, f"{where}/{key}/{index}")
        if isinstance(node.get("initial_option"), dict):
            found += _option_errors(node["initial_option"], f"{where}/initial_option")
        initial = node.get("initial_value")
        is_input = node.get("type") == "plain_text_input" and isinstance(initial, str)
        if is_input and len(str(initial)) > MAX_INITIAL_VALUE:
            found.append(_too_long(MAX_INITIAL_VALUE, f"{where}/initial_value"))
        for key, value in node.items():
            if key not in ("options", "initial_options", "initial_option"):
                found += _limit_errors(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _limit_errors(value, f"{where}/{index}")
    return found


def _option_errors(option: Any, where: str) -> list[str]:
    if not isinstance(option, dict):
        return []
    found = []
    for key in ("text", "description"):
        text = (option.get(key) or {}).get("text") if isinstance(option.get(key), dict) else None
        if isinstance(text, str) and len(text) > MAX_OPTION_TEXT:
            found.append(_too_long(MAX_OPTION_TEXT, f"{where}/{key}/text"))
    if len(str(option.get("value") or "")) > MAX_OPTION_VALUE:
        found.append(_too_long(MAX_OPTION_VALUE, f"{where}/value"))
    return found


def _too_long(limit: int, where: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{where}]"


def with_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slack fills in a block_id (and interactive action_ids) the sender left out; ours are
    derived from the content so that a re-posted message gets the same ids."""
    out = []
    for index, block in enumerate(blocks):
        block = dict(block)
        block.setdefault("block_id", _short_id(block, index))
        for key in ("elements", "accessory", "element"):
            if key == "elements" and block.get("type") == "actions":
                block[key] = [_with_action_id(e, i) for i, e in enumerate(block[key] or [])]
            elif key in ("accessory", "element") and isinstance(block.get(key), dict):
                block[key] = _with_action_id(block[key], 0)
        out.append(block)
    return out


def _with_action_id(element: dict[str, Any], index: int) -> dict[str, Any]:
    if element.get("type") in ("image", "mrkdwn", "plain_text") or "action_id" in element:
        return element
    return {**element, "action_id": _short_id(element, index)}


def _short_id(node: dict[str, Any], index: int) -> str:
    digest = hashlib.sha1(f"{index}:{json.dumps(node, sort_keys=True)}".encode()).digest()
    return base64.b32encode(digest).decode()[:5]
