"""The checklist template: `mopsbot policy check` names items without a rule or owner, unknown
rules and stages, undeclared owner groups and entry criteria on the first stage, in one run."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.app.config import PACKAGE_POLICY
from bot.cli.main import main
from bot.pipeline.checklists.rules import RULES
from policies import checklists
from tests.support.policies import write_policy


def test_every_rule_the_template_may_name_is_checked_by_the_bot() -> None:
    assert set(RULES) == set(checklists.RULES)


def test_policy_check_names_every_checklist_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "checklists.yaml").write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "stages": {
                    "brand": {
                        "entry": [{"id": "brief_read", "label": "Read", "owner": "requester"}],
                        "exit": [
                            {"id": "nobody", "label": "Who checks this?"},
                            {"id": "magic", "label": "Magic", "rule": "mind_reading"},
                        ],
                    },
                    "printing": {"exit": [{"id": "ink", "label": "Ink", "owner": "@print"}]},
                    "legal": {"exit": [{"id": "ok", "label": "OK", "owner": "@nobody-team"}]},
                },
            }
        )
    )
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    path = write_policy(tmp_path, data)
    assert main(["policy", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert (
        "assets.checklists_file (checklists.yaml): stages.brand.exit[0]: item 'nobody' has "
        "neither a rule (checked by the bot) nor an owner (a person ticks it)" in out
    ), out
    assert "unknown rule 'mind_reading'; rules are alt_text" in out
    # The file's own errors come first: agreement with the policy is checked once it loads.
    template = yaml.safe_load((tmp_path / "checklists.yaml").read_text())
    template["stages"]["brand"]["exit"] = [{"id": "alt", "label": "Alt", "rule": "alt_text"}]
    (tmp_path / "checklists.yaml").write_text(yaml.safe_dump(template))
    assert main(["policy", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "unknown stage 'printing'; stages are brand, legal, launch" in out, out
    assert "stages.legal.exit[0] (ok).owner: '@nobody-team' is not declared" in out
    assert "stages.brand.entry: the first stage can't have entry criteria" in out


def test_the_package_checklists_agree_with_the_package_policy() -> None:
    assert main(["policy", "check", str(PACKAGE_POLICY)]) == 0
