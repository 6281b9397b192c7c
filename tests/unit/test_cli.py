"""The `mopsbot` command: help, policy check, and settings errors as one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.app.config import PACKAGE_POLICY
from bot.cli.main import main
from policies.compliance import DEFAULT_RULES_PATH
from tests.support.policies import write_policy


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "shell", "migrate", "policy", "audit"):
        assert command in out


def test_policy_check_ok_and_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check", str(PACKAGE_POLICY)]) == 0
    broken = tmp_path / "p.yaml"
    broken.write_text(
        PACKAGE_POLICY.read_text().replace(
            '["@legal-team"]\n        sla', '["@legal-teem"]\n        sla'
        )
    )
    assert main(["policy", "check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "workflows.brief.stages[1].approvers[0]: unknown group '@legal-teem'" in out


def test_http_mode_without_signing_secret_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    assert main(["run", "--http"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "mopsbot: SLACK_SIGNING_SECRET is required for --http"


def test_invalid_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOPSBOT_LOG_LEVEL", "LOUD")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("mopsbot: invalid setting MOPSBOT_LOG_LEVEL")
    assert "\n" not in err


def test_policy_check_reports_every_error_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    stages = data["workflows"]["brief"]["stages"]
    stages[0]["approvers"] = ["@brand-teem"]  # an error inside a stage...
    stages.append(dict(stages[1]))  # ...and a duplicate stage name beside it
    fields = data["workflows"]["brief"]["template"]["fields"]
    fields[3].pop("choices")  # an error inside a field...
    fields.append(dict(fields[2]))  # ...and a duplicate field id
    data["channels"].pop("escalations")  # a setting that needs another
    data["business_hours"]["timezone"] = "Mars/Olympus"
    data["compliance"]["rules_file"] = "missing.yaml"
    data["intake"]["taxonomy_file"] = "nope.yaml"
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["policy", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert sorted(out) == sorted(
        [
            "workflows.brief.template.fields[3] (channel_mix): a select field needs a non-empty "
            "'choices' list",
            "workflows.brief.template: duplicate field ids: audience",
            "workflows.brief.stages[0].approvers[0]: unknown group '@brand-teem' (declare it "
            "under 'groups')",
            "workflows.brief.stages: duplicate stage names: legal",
            "business_hours.timezone: 'Mars/Olympus' is not an IANA time zone like "
            "'America/New_York'",
            "reminders.escalate_to: '@mops-admins' is a group, so set channels.escalations "
            "(the channel it is mentioned in)",
            "compliance.rules_file: there is no file 'missing.yaml' (it is read from the "
            "policy's folder)",
            "intake.taxonomy_file: there is no file 'nope.yaml' (it is read from the "
            "policy's folder)",
            "assets.checklists_file: there is no file 'checklists.yaml' (it is read from the "
            "policy's folder)",
        ]
    ), out


def test_policy_check_reads_the_files_the_policy_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(DEFAULT_RULES_PATH.read_text().replace("severity: blocking", "severity: 9", 1))
    (tmp_path / "intake.yaml").write_text("labels: [\n")
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data["compliance"]["rules_file"] = "rules.yaml"
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["policy", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "compliance.rules_file (rules.yaml): categories.financial_promise.severity: " in out
    assert "intake.taxonomy_file (intake.yaml): YAML syntax error at line 2" in out
    assert str(tmp_path) not in out  # the file as the policy names it, not where it is


def test_policy_check_finds_where_the_named_files_and_the_policy_disagree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data["workflows"]["brief"]["stages"].pop()  # no legal stage...
    data["compliance"]["gate_stages"] = {}  # ...and no legal gate: who approves a claim?
    del data["groups"]["@design-team"]  # intake routes design requests there
    path = write_policy(tmp_path, data)
    assert main(["policy", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert (
        "compliance.rules_file (compliance.yaml): categories financial_promise, health_claim, "
        in out
    )
    assert (
        "comparative_claim: approver_stage 'legal' is neither a stage of workflows.brief nor one "
        "of compliance.gate_stages, so nobody is named to approve it" in out
    )
    assert (
        "intake.taxonomy_file (intake.yaml): labels.design_asset.route.owner_group: "
        "'@design-team' is not declared under groups in the policy" in out
    ), out


def test_policy_check_refuses_a_saved_reply_the_compliance_rules_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_policy(tmp_path, yaml.safe_load(PACKAGE_POLICY.read_text()))
    taxonomy = tmp_path / "intake.yaml"
    taxonomy.write_text(
        taxonomy.read_text().replace(
            "Co-branding with a partner", "Our templates guarantee 12% returns. Co-branding"
        )
    )
    assert main(["policy", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert (
        "intake.taxonomy_file (intake.yaml): labels.brand_assets.reply.text: the compliance "
        "rules flag it: Financial promise (“guarantee 12% returns”)" in out
    ), out


def test_policy_check_refuses_a_label_title_too_long_for_a_button(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_policy(tmp_path, yaml.safe_load(PACKAGE_POLICY.read_text()))
    taxonomy = tmp_path / "intake.yaml"
    taxonomy.write_text(
        taxonomy.read_text().replace("title: UTM links", f"title: {'UTM links ' * 8}")
    )
    assert main(["policy", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert (
        "intake.taxonomy_file (intake.yaml): labels.utm_links.title: a title needs 1 to 68 "
        "characters" in out
    ), out
