"""manifest.yaml asks for exactly the scopes the code needs: every Web API method the bot calls is
covered (by the emulator's table of Slack's documented scopes), and no scope is left unused."""

from __future__ import annotations

import inspect
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from slack_sdk import WebClient

from bot.emulator.scopes import METHOD_SCOPES, manifest_scopes, needed_scope

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "bot").rglob("*.py")), *sorted((ROOT / "handlers").rglob("*.py"))]
# Scopes that events and features need, not a method: Slack's Events API and app features.
EVENT_SCOPES = {
    "message.channels": "channels:history",
    "app_mention": "app_mentions:read",
    "app_home_opened": None,
    "file_deleted": "files:read",
}
# Scopes a feature needs without calling a method: downloading a file a person shared, from its
# `url_private_download` with the bot token, needs files:read.
FEATURE_SCOPES = {"url_private_download": "files:read"}
# Reading back its own posts to settle an ambiguous one (bot.slack.settle): in DMs and private
# channels too, which need the history scope of their kind.
EVERY_KIND_SCOPES = {"include_all_metadata": ("im:history", "groups:history")}
_LITERAL = re.compile(r'"((?:chat|views|users|usergroups|conversations|files|auth)\.[A-Za-z.]+)"')
_CLIENT_CALL = re.compile(r"\bclient\.([a-z][a-z0-9_]*)\(")


@cache
def _methods_of(name: str) -> frozenset[str]:
    """The Web API methods a WebClient method calls (files_upload_v2 makes three calls)."""
    source = inspect.getsource(getattr(WebClient, name))
    found = set(re.findall(r'api_call\(\s*"([^"]+)"', source))
    for inner in set(re.findall(r"self\.([a-z][A-Za-z0-9_]*)\(", source)) - {name, "api_call"}:
        if callable(getattr(WebClient, inner, None)) and not inner.startswith("_"):
            found |= _methods_of(inner)
    return frozenset(found)


def called_methods() -> set[str]:
    """Every Web API method the bot's code calls: literal names (outbox rows, api_call) and
    WebClient methods called on a client."""
    found: set[str] = set()
    for path in SOURCES:
        if "emulator" in path.parts:
            continue  # the emulator answers methods; it does not call them
        text = path.read_text(encoding="utf-8")
        found |= {m for m in _LITERAL.findall(text) if m != "files.upload_v2"}
        if "files.upload_v2" in _LITERAL.findall(text) or "FILE_UPLOAD" in text:
            found |= _methods_of("files_upload_v2")
        for name in _CLIENT_CALL.findall(text):
            if callable(getattr(WebClient, name, None)):
                found |= _methods_of(name)
    return found


def _bot_code_mentions(marker: str) -> bool:
    return any(
        marker in path.read_text(encoding="utf-8")
        for path in SOURCES
        if "emulator" not in path.parts
    )


def _manifest() -> Any:
    return yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))


def test_the_scan_finds_what_the_bot_calls() -> None:
    methods = called_methods()
    # The calls this test exists for, so that a scan finding nothing cannot pass.
    assert {
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "views.open",
        "views.publish",
        "users.info",
        "usergroups.list",
        "conversations.info",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    } <= methods


def test_every_called_method_is_covered_and_no_scope_is_unused() -> None:
    granted = manifest_scopes()
    methods = called_methods()
    unknown = sorted(m for m in methods if m not in METHOD_SCOPES)
    assert not unknown, f"add Slack's documented scope for {unknown} to bot/emulator/scopes.py"
    # The bot posts in public channels and DMs (posted to a user id): the public-channel scope.
    needed = {m: needed_scope(m, None) for m in methods}
    missing = {m: s for m, s in needed.items() if s is not None and s not in granted}
    assert not missing, f"manifest.yaml lacks scopes for {missing}"
    manifest = _manifest()
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    used = {s for s in needed.values() if s} | {EVENT_SCOPES[e] for e in events if EVENT_SCOPES[e]}
    if manifest["features"].get("slash_commands"):
        used.add("commands")
    used |= {scope for marker, scope in FEATURE_SCOPES.items() if _bot_code_mentions(marker)}
    for marker, scopes in EVERY_KIND_SCOPES.items():
        if _bot_code_mentions(marker):
            used |= set(scopes)
    assert granted == used, f"unused: {sorted(granted - used)}, needed: {sorted(used - granted)}"
