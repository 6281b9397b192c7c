"""Reading the YAML of policy files (the policy, its compliance rules, its intake taxonomy) and
wording their errors: one place, so every file is read and reported the same way.

The YAML is read the way a person editing it expects (YAML 1.2 style): `17:30` is a time, not the
number 1050; `NO` is Norway, not false; a key written twice is an error, not silently the last.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.constructor import ConstructorError

_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"

# libyaml's parser, which PyYAML's wheels include: the shipped policy with its compliance rules and
# intake examples (180 kB) parses in about 20 ms instead of 300 ms with the pure-Python one, and a
# policy is read at every start and reload (it was most of a test bot's start).
try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # a PyYAML built without libyaml: the same results, slower
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class PolicyError(Exception):
    """The policy file can't be used; `.errors` lists every problem as `path: message`."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class _PolicyYamlLoader(_SafeLoader):
    """SafeLoader without YAML 1.1's surprises (sexagesimal ints, yes/no/on/off booleans)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                continue  # SafeLoader itself reports unhashable keys
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise ConstructorError(
                    None,
                    None,
                    f"duplicate key '{key}' (first on line {first})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


_PolicyYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL_TAG, _INT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PolicyYamlLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_PolicyYamlLoader.add_implicit_resolver(
    _INT_TAG, re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)


def content_version(raw: bytes) -> str:
    """The policy's version: a hash of the file, blind to a BOM and to CRLF line ends so that
    the same text checked out on another system keeps its version."""
    canonical = raw.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    return hashlib.sha256(canonical).hexdigest()[:12]


def read_yaml(path: Path, name: str | None = None) -> tuple[Any, bytes]:
    """The parsed YAML and the raw bytes (for the version), or a PolicyError naming the line.

    Errors start with `name` (the path by default): a message shown in Slack names the file, not
    where it is on the server."""
    shown = str(path) if name is None else name
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise PolicyError([f"{shown}: no such file"]) from None
    except OSError as exc:
        raise PolicyError([f"{shown}: {exc.strerror or exc}"]) from None
    return parse_yaml(raw, shown), raw


def parse_yaml(raw: bytes | str, name: str = "<policy>") -> Any:
    try:
        return yaml.load(raw, Loader=_PolicyYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError([f"{name}: YAML syntax error{where}: {problem}"]) from None


def format_errors(exc: ValidationError, data: Any = None) -> list[str]:
    """pydantic's report as `workflows.brief.stages[1].approvers[0]: message` lines; with the
    file's `data`, an item that has an `id` is named too: `fields[3] (channel_mix).choices`."""
    lines: list[str] = []
    for error in exc.errors():
        where = _path(error["loc"], data)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting (check the spelling)"
        elif error["type"] == "missing":
            message = "required setting is missing"
        elif error["type"] == "too_long" and "max_length" in (error.get("ctx") or {}):
            ctx = error.get("ctx") or {}
            message = f"at most {ctx['max_length']} items, not {ctx.get('actual_length', 'more')}"
        lines.append(f"{where}: {message}" if where else message)
    return list(dict.fromkeys(lines))  # a union type can report the same line twice


def _path(loc: tuple[int | str, ...], data: Any = None) -> str:
    parts = ""
    node = data
    for item in loc:
        node = _child(node, item)
        if isinstance(item, int):
            named = node.get("id") if isinstance(node, dict) else None
            parts += f"[{item}] ({named})" if isinstance(named, str) else f"[{item}]"
        elif item == "[key]" or str(item).startswith(("function-", "constrained-")):
            continue  # pydantic's markers for dict keys and validator wrappers, not settings
        else:
            parts += f".{item}" if parts else str(item)
    return parts


def _child(node: Any, key: int | str) -> Any:
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    if isinstance(node, dict) and not isinstance(key, int):
        return node.get(key)
    return None


def problems_in(load: Callable[[Path | str], object], path: Path | str) -> list[str]:
    """Every problem `load` finds in the file (a policy, taxonomy or rules loader); [] if none."""
    try:
        load(path)
    except PolicyError as exc:
        return exc.errors
    return []
