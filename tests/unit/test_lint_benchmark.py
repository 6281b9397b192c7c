"""benchmarks/lint_quality.py keeps its test set honest: the frozen file's SHA-256 is recorded and
the benchmark refuses to run on a changed copy; no test sentence is among the model's examples;
`--dev-only` never opens the test file; the public dev set shares no sentence with the test set,
and the examples copy none of its sentences (benchmarks/lint_overlap.py's measure)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from policies.compliance import load_rules

ROOT = Path(__file__).resolve().parents[2]
BENCHMARK = ROOT / "benchmarks" / "lint_quality.py"
OVERLAP = ROOT / "benchmarks" / "lint_overlap.py"
TEST_SET = ROOT / "benchmarks" / "data" / "lint_test.jsonl"
DEV_PUBLIC = ROOT / "benchmarks" / "data" / "lint_dev_public.jsonl"


def _benchmark(path: Path = BENCHMARK) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"benchmark_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


def test_the_frozen_test_set_is_the_one_recorded_and_never_trained_on() -> None:
    recorded = re.search(r'TEST_SHA256 = "([0-9a-f]{64})"', BENCHMARK.read_text())
    assert recorded is not None
    assert hashlib.sha256(TEST_SET.read_bytes()).hexdigest() == recorded[1]
    rows = [json.loads(line) for line in TEST_SET.read_text(encoding="utf-8").splitlines()]
    examples = load_rules().examples
    assert examples is not None
    trained = {_words(text) for text in examples.texts}
    assert not [row["text"] for row in rows if _words(row["text"]) in trained]


def test_the_benchmark_refuses_a_changed_test_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    benchmark = _benchmark()
    assert benchmark.test_set_unchanged() is None
    edited = tmp_path / "lint_test.jsonl"
    lines = TEST_SET.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    lines[0] = json.dumps({**row, "categories": []})  # one label "fixed" after a bad score
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(benchmark, "TEST", edited)
    monkeypatch.setattr(sys, "argv", ["lint_quality.py", "--runs", "1"])
    assert benchmark.main() == 2
    error = capsys.readouterr().err
    assert "lint_test.jsonl changed" in error and "Refusing to run" in error


def test_dev_only_never_opens_the_test_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    benchmark = _benchmark()
    monkeypatch.setattr(benchmark, "TEST", tmp_path / "missing.jsonl")  # opening it would raise
    monkeypatch.setattr(benchmark.layers, "model_for", lambda rules: None)  # stop before training
    monkeypatch.setattr(sys, "argv", ["lint_quality.py", "--dev-only"])
    assert benchmark.main() == 2
    assert "no semantic section" in capsys.readouterr().err


def test_the_public_dev_set_is_apart_from_test_and_from_the_examples() -> None:
    overlap = _benchmark(OVERLAP)
    public = overlap.texts_of(DEV_PUBLIC)
    rows = [json.loads(line) for line in DEV_PUBLIC.read_text(encoding="utf-8").splitlines()]
    assert all(row["source"] and isinstance(row["categories"], list) for row in rows)
    # indices into the public set only: the test set's text is never shown
    assert overlap.overlapping(public, overlap.texts_of(TEST_SET)) == []
    examples = load_rules().examples
    assert examples is not None
    assert overlap.overlapping(public, examples.texts) == []
