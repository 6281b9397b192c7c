"""The short soak for `make test`: real bot processes killed with SIGKILL under the scripted load,
then the invariant checker (`make soak` runs the full set: benchmarks/soak.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.soak.runs import soak_run

pytestmark = pytest.mark.slow  # bot processes that load the intake model


def describe(report) -> str:  # type: ignore[no-untyped-def]  # a test's failure text
    kinds = "\n".join(f"  {name}: {tally}" for name, tally in report.verdict.kinds.items())
    return "\n".join([*report.verdict.problems[:20], kinds])


def test_a_killed_bot_loses_and_repeats_nothing(tmp_path: Path, model_dir: Path) -> None:
    report = soak_run(7, tmp_path / "run", model_dir, kills=2, briefs=4, intake=3)
    assert report.ok, describe(report)
    assert report.faults["kills"] == 2
    assert report.verdict.kinds["briefs"].expected == 4
    assert report.verdict.kinds["transitions"].expected >= 4 * 4
