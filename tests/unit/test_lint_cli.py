"""`mopsbot lint`: human report with line:col, JSON lines for pipelines, exit codes 0/1/2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.cli.lint import line_and_column, main, print_report
from policies.compliance import DEFAULT_RULES_PATH, Finding, LintResult, load_rules

BRIEF = "Spring launch\n\nGet 20% off today.\nFeel free to reply.\n"


@pytest.fixture
def brief(tmp_path: Path) -> Path:
    path = tmp_path / "brief.txt"
    path.write_text(BRIEF, encoding="utf-8")
    return path


def test_findings_are_listed_with_line_col_guidance_and_approver(
    brief: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(brief)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f'{brief}:3:5: warning pricing_offer: "20% off"'
    assert out[1].startswith("    Pricing or offer. Free offers, discounts")
    assert out[2] == "    approval needed from: legal"
    version = load_rules().version
    assert out[-1] == (
        f"{brief}: 1 finding (pricing_offer); approval needed from: legal (rules {version})"
    )


def test_clean_text_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "clean.txt"
    path.write_text("See you at the workshop on Thursday.")
    assert main([str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: clean (rules ")


def test_channel_issues_alone_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sms.txt"
    path.write_text("Our spring menu is live.")
    assert main(["--channel", "sms", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}: channel sms: required: add opt-out text" in out
    assert "1 channel issue" in out


def test_stdin_with_dash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Win a free cruise!"))
    assert main(["-"]) == 1
    assert '<stdin>:1:1: blocking sweepstakes: "Win a"' in capsys.readouterr().out


def test_jsonl_one_object_per_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["Risk-free returns, guaranteed.", "", "See you Thursday."]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["--jsonl"]) == 1
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["line"] for o in objects] == [1, 2, 3]
    first = objects[0]
    assert first["categories"] == ["financial_promise"] and first["regulated"] is True
    finding = first["findings"][0]
    assert set(finding) == {
        "category",
        "label",
        "start",
        "end",
        "matched",
        "severity",
        "guidance",
        "approver_stage",
        "layer",
    }
    assert lines[0][finding["start"] : finding["end"]] == finding["matched"]
    assert objects[1]["findings"] == [] and objects[2]["categories"] == []


def test_jsonl_all_clean_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Hello there\nSee you soon\n"))
    assert main(["--jsonl"]) == 0


def test_usage_errors_exit_2_with_one_line(
    brief: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == 2
    assert capsys.readouterr().err == "mopsbot: lint needs FILE (or - for standard input)\n"
    assert main(["--channel", "fax", str(brief)]) == 2
    assert capsys.readouterr().err.startswith("mopsbot: unknown channel 'fax' (known: ")
    assert main([str(tmp_path / "missing.txt")]) == 2
    assert "No such file or directory" in capsys.readouterr().err


def test_broken_rules_exit_2_naming_the_path(
    brief: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    text = DEFAULT_RULES_PATH.read_text().replace("      - riskless\n", "      - 're:(risk'\n", 1)
    rules.write_text(text)
    assert main(["--rules", str(rules), str(brief)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "categories.financial_promise.patterns[" in err and "invalid regex" in err


def test_registered_in_the_mopsbot_command(brief: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lint", str(brief)]) == 1
    assert "pricing_offer" in capsys.readouterr().out


def test_line_and_column() -> None:
    assert line_and_column("ab\ncd", 0) == (1, 1)
    assert line_and_column("ab\ncd", 4) == (2, 2)


def test_reviewers_in_an_ordinary_sentence_is_clean(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Please ask the reviewers\n"))
    assert cli.main(["lint", "-"]) == 0
    assert capsys.readouterr().out.startswith("<stdin>: clean (rules ")


def test_the_cli_takes_the_same_channel_names(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("x", "X", "SMS"):
        monkeypatch.setattr("sys.stdin", io.StringIO("hello"))
        assert cli.main(["lint", "--channel", name, "-"]) in (0, 1)
        assert "unknown channel" not in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("hello"))
    assert cli.main(["lint", "--channel=fax", "-"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mopsbot: unknown channel 'fax'") and err.count("\n") == 1


def test_a_model_finding_never_reads_100_percent_sure() -> None:
    """A calibrated probability of 0.997 rounds to "100%", which a reader takes for certainty."""
    text = "Dana from Leeds says it changed her life."
    finding = Finding(
        category="endorsement",
        label="Endorsement or testimonial",
        start=0,
        end=len(text),
        matched=text,
        severity="warning",
        guidance="Testimonials need substantiation.",
        approver_stage="legal",
        layer="model",
        score=0.997,
        nearest="Maria says it changed her life",
    )
    out = io.StringIO()
    print_report("brief.txt", text, LintResult([finding], rules_version="7"), out)
    assert '    found by the semantic model (over 99% sure); nearest labelled example: "Maria' in (
        out.getvalue()
    )
