"""The files a policy names, `compliance.rules_file` and `intake.taxonomy_file`, relative to the
policy file: each must be there and load, or the policy is refused like any other broken setting.

Without this a typo loaded fine, every new brief was then gated as "rules unreadable" and the
server's path to the missing file was shown in Slack. Errors name the key and the file name as
written in the policy, never a path on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies.compliance import load_rules
from policies.intake_schema import load_intake
from policies.schema import Compliance, Intake
from policies.yaml_files import PolicyError


@dataclass(frozen=True)
class NamedFile:
    section: str  # compliance
    setting: str  # rules_file
    default: str
    load: Callable[[Path], object]

    @property
    def key(self) -> str:
        return f"{self.section}.{self.setting}"


NAMED_FILES = (
    NamedFile(
        "compliance", "rules_file", Compliance.model_fields["rules_file"].default, load_rules
    ),
    NamedFile("intake", "taxonomy_file", Intake.model_fields["taxonomy_file"].default, load_intake),
)


def named_file_errors(data: dict[str, Any], folder: Path) -> list[str]:
    """Every problem with the files the policy mapping `data` names, looked up from `folder`."""
    errors: list[str] = []
    for named in NAMED_FILES:
        section = data.get(named.section)
        value = section.get(named.setting, named.default) if isinstance(section, dict) else None
        if section is None:
            value = named.default
        if not isinstance(value, str) or not value.strip():
            continue  # not a file name: the policy's own validation says so
        written = Path(value)
        path = written if written.is_absolute() else folder / written
        shown = written.name if written.is_absolute() else value
        if not path.is_file():
            errors.append(
                f"{named.key}: there is no file '{shown}' (it is read from the policy's folder)"
            )
            continue
        try:
            named.load(path)
        except PolicyError as exc:
            errors += [
                f"{named.key} ({shown}): {error.removeprefix(f'{path}: ')}" for error in exc.errors
            ]
    return errors
