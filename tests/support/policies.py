"""Policy variants for tests: written to a folder with the files they name, or a running bot
switched to a changed copy of the package policy, as an ops admin would do."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
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


def with_untrained_compliance_model(
    local: LocalBot, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> LocalBot:
    """The bot switched to compliance examples no model in this process was trained on (the
    first ten of each category, and a sentence naming `folder`), as after a start or a change
    of the examples: the lint's model is not in memory until `trained(local)`. Its cache is in
    `folder`, so a model is trained (a second or two), never read from an earlier run's disk
    cache in a few milliseconds."""
    monkeypatch.setenv("MOPSBOT_CACHE_DIR", str(folder / "cache"))
    package = PACKAGE_POLICY.parent
    examples = yaml.safe_load((package / "compliance_examples.yaml").read_text())
    few = {name: rows[:10] for name, rows in examples.items()}  # the least the check allows
    few["clean"].append(f"The test folder {folder.name} has a clean sentence of its own.")
    (folder / "examples.yaml").write_text(yaml.safe_dump(few, sort_keys=False))
    rules = yaml.safe_load((package / "compliance.yaml").read_text())
    rules["semantic"]["examples_file"] = str(folder / "examples.yaml")
    (folder / "compliance.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    return use_policy(
        local,
        folder,
        lambda data: data["compliance"].update(rules_file=str(folder / "compliance.yaml")),
    )


def trained(local: LocalBot) -> None:
    """What the start's warm-up does: the lint's model read or trained (a second on ten
    examples a category), and kept in memory."""
    from bot.compliance import layers
    from bot.compliance.service import rules_for

    layers.model_for(rules_for(local.runtime.policy))
