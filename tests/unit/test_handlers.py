"""The Bolt wiring: every listener registered once, as a module-level function, and handlers that
translate payloads without owning units of work."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import SecretStr
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk import WebClient

import handlers
from bot.app.bolt import create_app
from bot.app.readiness import Check
from bot.slack.actions import ActionId, ViewId
from handlers.context import RequestContext, delivery_key
from handlers.mops import readiness_section

HANDLERS = Path(handlers.__file__).parent
COMMANDS = ["/mops", "/brief"]
EVENTS = ["message", "app_mention", "app_home_opened", "file_deleted"]
# 2 commands, 16 buttons + 3 of them again for clicks on the Home tab, 7 modals + the reason
# form again when opened from the Home tab, 4 events; the pipeline's tasks and launches, privacy;
# and checklists, assets and variants: 3 buttons (Tick, Fix details, Edit & accept) and 3 modals
LISTENERS = 48
# The buttons that are also on the Home tab, where a click comes with a `view`, not a message.
ON_HOME = [ActionId.BRIEF_APPROVE, ActionId.BRIEF_REQUEST_CHANGES, ActionId.BRIEF_REJECT]


@pytest.fixture(scope="module")
def app() -> App:
    runtime = SimpleNamespace(
        settings=SimpleNamespace(slack_signing_secret=SecretStr("secret")),
        client=WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/"),
    )
    return create_app(runtime)  # type: ignore[arg-type]


def _request(body: dict) -> BoltRequest:
    return BoltRequest(body=body, mode="socket_mode")


def deliveries() -> list[tuple[str, dict]]:
    """One delivery of every kind the bot listens to."""
    user = {"id": "U01RITA"}
    found: list[tuple[str, dict]] = []
    for name in COMMANDS:
        found.append((name, {"command": name, "text": "", "user_id": "U01RITA"}))
    for action_id in ActionId:
        ids = (
            [action_id.numbered(0), action_id.numbered(3)]
            if action_id.name == "INTAKE_PICK"
            else [action_id.value]
        )
        for one in ids:
            found.append(
                (
                    one,
                    {
                        "type": "block_actions",
                        "user": user,
                        "actions": [{"action_id": one, "type": "button"}],
                    },
                )
            )
    for action_id in ON_HOME:
        found.append(
            (
                f"{action_id.value} on the home tab",
                {
                    "type": "block_actions",
                    "user": user,
                    "container": {"type": "view", "view_id": "V1"},
                    "view": {"id": "V1", "type": "home"},
                    "actions": [{"action_id": action_id.value, "type": "button"}],
                },
            )
        )
    found.append(
        (
            "brief_reason opened from the home tab",
            {
                "type": "view_submission",
                "user": user,
                "view": {
                    "type": "modal",
                    "callback_id": ViewId.BRIEF_REASON.value,
                    "private_metadata": '{"brief_id": 1, "from": "home"}',
                },
            },
        )
    )
    for callback_id in ViewId:
        found.append(
            (
                callback_id.value,
                {
                    "type": "view_submission",
                    "user": user,
                    "view": {"type": "modal", "callback_id": callback_id.value},
                },
            )
        )
    for event in EVENTS:
        found.append(
            (
                event,
                {
                    "type": "event_callback",
                    "event_id": "Ev1",
                    "event": {"type": event, "user": "U01RITA"},
                },
            )
        )
    return found


def test_every_listener_is_registered_once(app: App) -> None:
    assert len(app._listeners) == LISTENERS
    for name, body in deliveries():
        matching = [
            listener
            for listener in app._listeners
            if listener.matches(req=_request(body), resp=BoltResponse(status=200))
        ]
        assert len(matching) == 1, f"{name} has {len(matching)} listeners"
    # Every listener answers to something the bot draws or Slack sends.
    used = {
        id(listener)
        for _, body in deliveries()
        for listener in app._listeners
        if listener.matches(req=_request(body), resp=BoltResponse(status=200))
    }
    assert len(used) == LISTENERS


def test_listeners_are_module_level_functions_of_handlers(app: App) -> None:
    for listener in app._listeners:
        function = listener.ack_function
        assert "<locals>" not in function.__qualname__, function.__qualname__
        assert function.__module__.startswith("handlers."), function.__module__


def test_every_listener_is_what_its_module_exposes_under_its_name(app: App) -> None:
    """handlers.clicks builds a button's listener once, at import, and names it as the declared
    function: the name must lead to that very listener (not to a copy made at registration)."""
    for listener in app._listeners:
        function = listener.ack_function
        module = importlib.import_module(function.__module__)
        assert getattr(module, function.__qualname__) is function, function.__qualname__


# What Bolt injects that our listeners use, and what the middleware in handlers.context adds.
INJECTED = {"ack", "action", "body", "client", "command", "context", "event", "logger", "view"}
INJECTED |= {"respond"}
INJECTED |= {"runtime", "delivery_key", "asker"}


def test_every_listener_asks_only_for_arguments_bolt_can_give(app: App) -> None:
    """A button declared through handlers.clicks is registered as the listener that clicks
    builds: Bolt must see that listener's arguments, not the declared function's `click` (Bolt
    would pass None for a name it does not know, and only log a warning)."""
    for listener in app._listeners:
        asked = set(get_arg_names_of_callable(listener.ack_function))
        assert asked <= INJECTED, (listener.ack_function.__qualname__, asked - INJECTED)


def test_one_middleware_puts_the_context_in_place(app: App) -> None:
    ours = [m for m in app._middleware_list if isinstance(m, RequestContext)]
    assert len(ours) == 1


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"type": "event_callback", "event_id": "Ev9"}, "event:Ev9"),
        (
            {
                "type": "block_actions",
                "user": {"id": "U1"},
                "actions": [{"action_id": "brief_approve", "action_ts": "1.2"}],
            },
            "action:U1:brief_approve:1.2",
        ),
        ({"type": "view_submission", "view": {"id": "V1", "hash": "h"}}, "view:V1:h"),
        ({"command": "/brief", "user_id": "U1"}, None),
    ],
)
def test_the_delivery_key_follows_the_kind_of_payload(body: dict, key: str | None) -> None:
    assert delivery_key(body) == key


def _modules() -> list[Path]:
    return sorted(HANDLERS.glob("*.py"))


def _runtime_imports(tree: ast.Module) -> set[str]:
    """Modules imported when the module runs (not those under `if TYPE_CHECKING:`)."""
    checking = {
        id(node)
        for stmt in ast.walk(tree)
        if isinstance(stmt, ast.If) and ast.unparse(stmt.test) == "TYPE_CHECKING"
        for body in stmt.body
        for node in ast.walk(body)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_handlers_own_no_units_of_work(path: Path) -> None:
    source = path.read_text()
    tree = ast.parse(source)
    imported = _runtime_imports(tree)
    forbidden = {"sqlalchemy", "bot.storage", "bot.app", "bot.app.runtime"}
    assert not {
        name for name in imported if any(name == f or name.startswith(f + ".") for f in forbidden)
    }
    assert ".transaction(" not in source and ".read(" not in source


def test_handlers_import_no_runtime_at_run_time() -> None:
    """bot.app.bolt imports handlers; handlers name the Runtime for annotations only."""
    for path in _modules():
        assert "bot.app.runtime" not in _runtime_imports(ast.parse(path.read_text())), path.name


def test_mops_subcommands_are_an_explicit_table() -> None:
    from handlers import away, compliance, digests, flow, insights, intake, mops, pipeline

    expected = {
        "stats": flow.stats,
        "forecast": flow.forecast,
        "scorecard": insights.scorecard,
        "goals": insights.goals,
        "digest": digests.digest_settings,
        "lint": compliance.lint_text,
        "policy": mops.policy_reload,
        "intake": intake.queue,
        "tasks": pipeline.my_tasks,
        "away": away.away_settings,
        "health": mops.health,
    }
    assert expected == mops.SUBCOMMANDS
    for subcommand in mops.SUBCOMMANDS.values():
        assert list(inspect.signature(subcommand).parameters) == ["rest", "runtime", "asker"]


def test_mops_health_puts_what_is_not_ready_first_and_in_bold() -> None:
    checks = [
        Check("database", True, "the database answers"),
        Check("compliance_model", False, "the compliance model is still loading"),
        Check("policy", True, "policy 1a2b is in force"),
    ]
    section = readiness_section(checks)
    assert (section.title, section.ok) == ("Not ready", False)
    assert section.lines == [
        "*The compliance model is still loading*",
        "The database answers",
        "Policy 1a2b is in force",
    ]
    ready = readiness_section([c for c in checks if c.ok])
    assert ready.ok and not any("*" in line for line in ready.lines)
