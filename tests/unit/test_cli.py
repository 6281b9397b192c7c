"""The `mopsbot` command: help, policy check, and settings errors as one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.config import PACKAGE_POLICY
from bot.cli.main import main


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
