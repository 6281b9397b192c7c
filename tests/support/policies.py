"""Policy variants for tests: written to a folder with the files they name, or a running bot
switched to a changed copy of the package policy, as an ops admin would do."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.app.config import PACKAGE_POLICY
from bot.app.local import LocalBot

NAMED_FILES = (
    "compliance.yaml",
    "compliance_examples.yaml",
    "intake.yaml",
    "intake_examples.yaml",
    "checklists.yaml",
)


def write_policy(folder: Path, data: dict, name: str = "policy.yaml") -> Path:
    """`data` as a policy file in `folder`, with the files it names (compliance rules, intake
    taxonomy) copied beside it: a policy naming a missing file does not load."""
    for named in NAMED_FILES:
        if not (folder / named).exists():
            shutil.copy(PACKAGE_POLICY.parent / named, folder / named)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def use_policy(local: LocalBot, folder: Path, change: Callable[[dict], object]) -> LocalBot:
    """Write the package policy, changed by `change`, into `folder` and reload it. The files it
    names (compliance rules, intake taxonomy) stay the package's own."""
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data["compliance"]["rules_file"] = str(PACKAGE_POLICY.parent / data["compliance"]["rules_file"])
    data["intake"]["taxonomy_file"] = str(PACKAGE_POLICY.parent / data["intake"]["taxonomy_file"])
    checklists = data["assets"]["checklists_file"]
    data["assets"]["checklists_file"] = str(PACKAGE_POLICY.parent / checklists)
    change(data)
    path = folder / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    local.runtime.policies.path = path
    assert local.runtime.policies.reload() == []
    return local
