"""A running bot switched to a changed copy of the package policy, as an ops admin would do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from bot.app.config import PACKAGE_POLICY
from bot.app.local import LocalBot


def use_policy(local: LocalBot, folder: Path, change: Callable[[dict], object]) -> LocalBot:
    """Write the package policy, changed by `change`, into `folder` and reload it. The files it
    names (compliance rules, intake taxonomy) stay the package's own."""
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data["compliance"]["rules_file"] = str(PACKAGE_POLICY.parent / data["compliance"]["rules_file"])
    data["intake"]["taxonomy_file"] = str(PACKAGE_POLICY.parent / data["intake"]["taxonomy_file"])
    change(data)
    path = folder / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    local.runtime.policies.path = path
    assert local.runtime.policies.reload() == []
    return local
