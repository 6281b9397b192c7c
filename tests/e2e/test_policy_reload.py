"""`/mops policy reload` refuses a policy that names missing files: the old policy stays, the
answer names the setting in plain words, and no path on the server reaches Slack."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.app.config import PACKAGE_POLICY
from bot.app.local import LocalBot
from tests.support.briefs import new_brief, outbox_drained, wait_state
from tests.support.policies import write_policy
from tests.support.waiting import eventually


@pytest.mark.parametrize(
    ("section", "setting", "value"),
    [("compliance", "rules_file", "missing.yaml"), ("intake", "taxonomy_file", "nope.yaml")],
)
def test_reload_refuses_a_policy_naming_a_missing_file(
    local: LocalBot, tmp_path: Path, section: str, setting: str, value: str
) -> None:
    slack = local.slack
    before = local.runtime.policy
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data[section][setting] = value
    local.runtime.policies.path = write_policy(tmp_path, data)
    slack.command("/mops policy reload", as_user="omar")
    answer = slack.last_ephemeral("omar").text
    assert f"{section}.{setting}: there is no file '{value}'" in answer, answer
    assert str(tmp_path) not in answer and "/" not in answer.replace("</", "")
    assert local.runtime.policy is before
    # briefs go on under the old policy: a clean brief is not gated as "rules unreadable"
    parent = new_brief(local)
    assert wait_state(local, "in_review").stages == ["brand", "legal"]
    eventually(lambda: outbox_drained(local), "the outbox drained")
    assert not any("Compliance check" in m.text for m in slack.thread(parent).replies)


def test_reload_errors_name_the_policy_file_not_its_path(local: LocalBot, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("name: [\n")
    local.runtime.policies.path = path
    local.slack.command("/mops policy reload", as_user="omar")
    answer = local.slack.last_ephemeral("omar").text
    assert "policy.yaml: YAML syntax error at line 2" in answer, answer
    assert str(tmp_path) not in answer
