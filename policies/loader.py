"""Loading policy files: YAML in, a validated Policy out, or every error with its path.

Every error is reported in one run: the policy's own settings, and the files it names (see
policies.named_files), so fixing one error never uncovers the next.
"""

from __future__ import annotations

import threading
from pathlib import Path

from pydantic import ValidationError

from policies.named_files import named_file_errors
from policies.schema import Policy, parse_policy
from policies.yaml_files import (
    PolicyError,
    content_version,
    format_errors,
    parse_yaml,
    problems_in,
    read_yaml,
)

__all__ = [
    "PolicyError",
    "PolicyStore",
    "check_policy_file",
    "content_version",
    "format_errors",
    "load_policy",
    "parse_yaml",
    "problems_in",
    "read_yaml",
]


def load_policy(path: Path | str, name: str | None = None) -> Policy:
    """The validated policy in `path`, versioned by its content; raises PolicyError listing
    every problem in it and in the files it names. Errors about the file itself start with
    `name` (default: the path)."""
    path = Path(path)
    data, raw = read_yaml(path, name)
    if not isinstance(data, dict):
        raise PolicyError([f"{name or path}: expected settings (a mapping) at the top level"])
    errors: list[str] = []
    policy = None
    try:
        policy = parse_policy(data, version=content_version(raw), source=path.resolve())
    except ValidationError as exc:
        errors += format_errors(exc, data)
    errors += named_file_errors(data, path.resolve().parent, policy)
    if errors or policy is None:
        raise PolicyError(errors)
    return policy


def check_policy_file(path: Path | str) -> list[str]:
    """Every problem in the file, for `mopsbot policy check`; [] when it is valid."""
    return problems_in(load_policy, path)


class PolicyStore:
    """The policy in force. A reload with errors keeps the old one and returns the errors."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._current = load_policy(self.path)

    @property
    def current(self) -> Policy:
        return self._current  # one reference read: no lock needed to see a whole policy

    @property
    def folder(self) -> Path:
        return self.path.parent

    def reload(self) -> list[str]:
        """Read the file again; [] and the new policy in force, or the errors and the old one."""
        with self._lock:  # two reloads at once must not leave the older file in force
            try:
                policy = load_policy(self.path, name=self.path.name)  # shown in Slack
            except PolicyError as exc:
                return exc.errors
            self._current = policy
        return []
