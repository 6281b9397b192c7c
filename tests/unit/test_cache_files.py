"""The cache directory's old compliance models and encoder exports, pruned at start: by age and
never the current ones, so instances sharing a cache never lose a file one of them still uses."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.compliance import layers, semantic
from bot.compliance.cache_files import in_use, mark_used, prune, tidy_after
from policies.compliance import ComplianceRules, ComplianceRulesError, load_rules

DAY = 86400.0
NOW = 2_000_000_000.0
WEEK = timedelta(days=7)


def made(folder: Path, name: str, days_ago: float, now: float = NOW) -> Path:
    path = folder / name
    if name.startswith(".export-"):
        path.mkdir()
        (path / "fp32.onnx").write_bytes(b"half")
    else:
        path.write_bytes(b"x")
    os.utime(path, (now - days_ago * DAY, now - days_ago * DAY))
    return path


def names(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def test_old_files_of_each_kind_go_the_current_ones_and_recent_ones_stay(tmp_path: Path) -> None:
    current = {
        "compliance-model-4-new-aaaa.npz",
        "minilm-new-layers3-6+6-int8.onnx",
        "minilm-new-layers3-6+6-int8.onnx.lock",
    }
    for name in current:
        made(tmp_path, name, days_ago=90)  # old, but this start's own
    old = {
        "compliance-model-4-old-aaaa.npz",
        "compliance-model-3-old-bbbb.npz",
        "minilm-old-layers3-6+6-int8.onnx",
        "minilm-old-layers3-6+6-int8.onnx.lock",
        "minilm-old-int8.onnx",  # an earlier readout's name
        "tmpk2v9q1.npz",  # a model write killed midway
        ".export-x1y2",  # an export killed midway, a folder
    }
    for name in old:
        made(tmp_path, name, days_ago=8)
    recent = {  # another instance's files, or ones being made: used or made within the week
        "compliance-model-4-other-cccc.npz",
        "minilm-other-layers3-6+6-int8.onnx",
        "tmpfresh.npz",
        ".export-fresh",
    }
    for name in recent:
        made(tmp_path, name, days_ago=6.9)
    others = {"notes.txt", "minilm-old.onnx", "compliance-model-old.json", "intake"}
    for name in others:
        made(tmp_path, name, days_ago=400)

    removed = prune(tmp_path, current, WEEK, now=NOW)

    assert {path.name for path in removed} == old
    assert names(tmp_path) == current | recent | others


def test_a_file_another_start_marked_as_used_is_kept(tmp_path: Path) -> None:
    """Instance A (say, the torch encoder, or the version before) uses a file B does not call
    current: A's start marks it, so B's prune leaves it however old it was made."""
    theirs = made(tmp_path, "compliance-model-4-theirs-aaaa.npz", days_ago=60, now=time.time())
    mine = made(tmp_path, "compliance-model-4-mine-bbbb.npz", days_ago=60, now=time.time())
    mark_used(tmp_path, [theirs.name, "compliance-model-4-never-made.npz"])  # a missing one: fine
    assert prune(tmp_path, {mine.name}, WEEK) == []
    assert names(tmp_path) == {theirs.name, mine.name}


def test_two_instances_pruning_at_once_each_skip_what_the_other_removed(tmp_path: Path) -> None:
    old = {f"compliance-model-4-v{n}-aaaa.npz" for n in range(300)}
    for name in old:
        made(tmp_path, name, days_ago=30)
    for n in range(20):
        made(tmp_path, f".export-{n}", days_ago=30)
    start = threading.Barrier(2)
    results: list[list[Path]] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(prune(tmp_path, set(), WEEK, now=NOW))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(tmp_path.iterdir()) == []
    assert {p.name for found in results for p in found} >= old


def test_a_file_that_cannot_be_removed_stays_and_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    stuck = made(tmp_path, "compliance-model-4-stuck-aaaa.npz", days_ago=30)
    made(tmp_path, "compliance-model-4-old-aaaa.npz", days_ago=30)
    unlink = Path.unlink

    def refuse(path: Path, missing_ok: bool = False) -> None:
        if path == stuck:
            raise PermissionError(13, "Permission denied", str(path))
        unlink(path, missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse)
    assert [p.name for p in prune(tmp_path, set(), WEEK, now=NOW)] == [
        "compliance-model-4-old-aaaa.npz"
    ]
    assert "compliance.cache_not_pruned" in caplog.text
    assert names(tmp_path) == {stuck.name}


def test_rules_that_cannot_be_read_prune_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOPSBOT_CACHE_DIR", str(tmp_path))
    made(tmp_path, "compliance-model-4-old-aaaa.npz", days_ago=60, now=time.time())

    def unreadable() -> ComplianceRules:
        raise ComplianceRulesError(["categories: not a mapping"])

    warm_up = threading.Thread(target=lambda: None)
    warm_up.start()
    tidy_after(warm_up, unreadable).join(timeout=10)
    assert names(tmp_path) == {"compliance-model-4-old-aaaa.npz"}


@pytest.mark.slow
def test_in_use_names_the_files_the_warm_up_reads() -> None:
    """The names are built apart from the code that writes them: this keeps them the same."""
    rules = load_rules()
    layers.model_for(rules)  # what the start's warm-up does (read from the cache, or trained)
    current = in_use(rules)
    directory = semantic.cache_dir()
    assert sorted(name.split("-")[0] for name in current) == ["compliance", "minilm", "minilm"]
    for name in current:
        assert (directory / name).is_file(), name


@pytest.mark.slow
def test_the_start_prunes_after_its_warm_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = load_rules()
    layers.model_for(rules)
    monkeypatch.setenv("MOPSBOT_CACHE_DIR", str(tmp_path))
    long_ago = time.time() - 60 * DAY
    current = in_use(rules)
    for name in [*current, "compliance-model-4-old-aaaa.npz", "minilm-old-int8.onnx"]:
        made(tmp_path, name, days_ago=60, now=time.time())
    warm_up = threading.Event()
    started = threading.Thread(target=warm_up.wait)
    started.start()
    tidy = tidy_after(started, lambda: rules)
    time.sleep(0.2)
    assert len(names(tmp_path)) == 5  # nothing before the warm-up has made its files
    warm_up.set()
    tidy.join(timeout=30)
    assert names(tmp_path) == current
    assert all((tmp_path / name).stat().st_mtime > long_ago + DAY for name in current)  # marked
