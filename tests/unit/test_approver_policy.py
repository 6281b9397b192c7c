"""Quorum and parallel stages in the policy file: validated at load, reported by
`mopsbot policy check`."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.app.config import PACKAGE_POLICY
from policies.loader import check_policy_file, load_policy
from tests.support.policies import write_policy


def write(tmp_path: Path, data: dict) -> Path:
    return write_policy(tmp_path, data)


def stages(data: dict) -> list[dict]:
    return data["workflows"]["brief"]["stages"]


def test_quorum_defaults_to_one_and_loads_when_set(tmp_path: Path) -> None:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    assert [s.quorum for s in load_policy(write(tmp_path, data)).workflows.brief.stages] == [1, 1]
    stages(data)[1]["quorum"] = 2  # any 2 of @legal-team: the group's size is Slack's to say
    assert load_policy(write(tmp_path, data)).workflows.brief.stages[1].quorum == 2


def test_unreachable_or_meaningless_quorum_is_reported_at_its_path(tmp_path: Path) -> None:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    stages(data)[0]["approvers"] = ["U02BRAM", "U04OMAR"]
    stages(data)[0]["quorum"] = 3
    stages(data)[1]["quorum"] = 0
    errors = check_policy_file(write(tmp_path, data))
    assert any(
        e.startswith("workflows.brief.stages[0]") and "quorum 3 needs at least 3" in e
        for e in errors
    ), errors
    assert any(e.startswith("workflows.brief.stages[1].quorum") for e in errors), errors


def test_parallel_stages_load_and_the_first_stage_cannot_be_parallel(tmp_path: Path) -> None:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    stages(data)[1]["parallel"] = True
    assert load_policy(write(tmp_path, data)).workflows.brief.stages[1].parallel
    stages(data)[0]["parallel"] = True
    errors = check_policy_file(write(tmp_path, data))
    assert any(
        e.startswith("workflows.brief.stages") and "first stage ('brand') can't be parallel" in e
        for e in errors
    ), errors


def test_quorum_and_parallel_errors_are_reported_in_one_run(tmp_path: Path) -> None:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    stages(data)[0].update(approvers=["U02BRAM", "U04OMAR"], quorum=3, parallel=True)
    stages(data)[1]["quorum"] = 0
    errors = check_policy_file(write(tmp_path, data))
    assert len(errors) == 3, errors
    assert "workflows.brief.stages[0].parallel: the first stage ('brand') can't be parallel" in (
        " ".join(errors)
    )
