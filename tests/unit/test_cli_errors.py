"""CLI errors are one clear line on stderr and a non-zero exit, with nothing created on the way:
no traceback for a missing database, a missing folder, or a reader that stops reading."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("mopsbot: "), err
    return err.strip()


def test_audit_export_without_a_database_creates_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["audit", "export"]) != 0
    err = one_line(capsys.readouterr().err)
    assert "no database at mopsbot.db" in err and "mopsbot migrate" in err
    assert list(tmp_path.iterdir()) == []  # no empty mopsbot.db left behind


def test_audit_export_from_a_database_never_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.db").write_bytes(b"")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["audit", "export"]) != 0
    assert "is not set up: run `mopsbot migrate`" in one_line(capsys.readouterr().err)


def test_audit_export_out_into_a_missing_folder(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "no" / "such" / "audit.csv"
    assert main(["audit", "export", "--out", str(out)]) != 0
    err = one_line(capsys.readouterr().err)
    assert "no folder" in err and str(out.parent) in err
    assert not (tmp_path / "no").exists()
    assert main(["audit", "export", "--out", str(tmp_path)]) != 0
    assert "is a folder" in one_line(capsys.readouterr().err)


def test_an_unreachable_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["audit", "export"]) != 0
    assert "can't reach the database" in one_line(capsys.readouterr().err)
    assert main(["migrate"]) != 0
    assert "can't reach the database" in one_line(capsys.readouterr().err)


def test_lint_jsonl_into_head_stops_quietly(tmp_path: Path) -> None:
    texts = tmp_path / "texts.txt"
    texts.write_text("Win a free cruise!\n" * 20000)
    shell = f"{sys.executable} -m bot.cli.main lint --jsonl {texts} | head -3"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert len(done.stdout.splitlines()) == 3
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode != 0  # the pipeline says it stopped early (pipefail)


def test_intake_commands_without_their_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model"
    assert main(["intake", "eval", "--model", str(model), "--test", "x.csv"]) == 2
    assert f"no intake model in {model}" in one_line(capsys.readouterr().err)
    missing = tmp_path / "nope.csv"
    assert main(["intake", "train", "--examples", str(missing), "--out", str(model)]) != 0
    assert f"{missing}: No such file or directory" in one_line(capsys.readouterr().err)
    assert not model.exists()
