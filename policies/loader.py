"""Loading policy files: YAML in, a validated Policy out, or every error with its path."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from policies.schema import Policy, PolicyReferenceError


class PolicyError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def content_version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def read_yaml(path: Path) -> tuple[Any, bytes]:
    """The parsed YAML and the raw bytes (for the version), or a PolicyError naming the line."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise PolicyError([f"{path}: no such file"]) from None
    except OSError as exc:
        raise PolicyError([f"{path}: {exc.strerror}"]) from None
    try:
        return yaml.safe_load(raw), raw
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError([f"{path}: YAML syntax error at {where}: {problem}"]) from None


def format_errors(exc: ValidationError) -> list[str]:
    """pydantic's report as `workflows.brief.stages[1].approvers[0]: message` lines."""
    lines: list[str] = []
    for error in exc.errors():
        cause = (error.get("ctx") or {}).get("error")
        prefix = _path(error["loc"])
        if isinstance(cause, PolicyReferenceError):
            lines += [f"{prefix}.{line}" if prefix else line for line in cause.errors]
            continue
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting (check the spelling)"
        lines.append(f"{prefix}: {message}" if prefix else message)
    return lines


def _path(loc: tuple) -> str:
    parts = ""
    for item in loc:
        if isinstance(item, int):
            parts += f"[{item}]"
        elif str(item).startswith(("function-", "constrained-")):
            continue
        else:
            parts += f".{item}" if parts else str(item)
    return parts


def load_policy(path: Path | str) -> Policy:
    data, raw = read_yaml(Path(path))
    if not isinstance(data, dict):
        raise PolicyError([f"{path}: expected a mapping at the top level"])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(format_errors(exc)) from None
    policy._version = content_version(raw)
    return policy


def check_policy_file(path: Path | str) -> list[str]:
    try:
        load_policy(path)
    except PolicyError as exc:
        return exc.errors
    return []


class PolicyStore:
    """The policy in force. A reload with errors keeps the old one and returns the errors."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._current = load_policy(self.path)

    @property
    def current(self) -> Policy:
        return self._current

    @property
    def folder(self) -> Path:
        return self.path.parent

    def reload(self) -> list[str]:
        try:
            policy = load_policy(self.path)
        except PolicyError as exc:
            return exc.errors
        with self._lock:
            self._current = policy
        return []
