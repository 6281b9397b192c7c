"""The short soak for `make test`: real bot processes killed with SIGKILL under the scripted load
while Slack answers 429s, 5xx and late answers, and (where PostgreSQL 15 can be run here) the
database crashed and restarted too; then the invariant checker (`make soak` runs the full set:
benchmarks/soak.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL
from tests.soak.runs import RunReport, soak_run
from tests.support.postgres import available, throwaway_cluster

pytestmark = pytest.mark.slow  # bot processes that load the intake model


def describe(report: RunReport) -> str:
    kinds = "\n".join(f"  {name}: {tally}" for name, tally in report.verdict.kinds.items())
    return "\n".join([*report.verdict.problems[:20], kinds, f"  faults: {report.faults}"])


def met_every_slack_fault(report: RunReport) -> bool:
    return all(report.faults[kind] > 0 for kind in ("429s", "5xx", "ambiguous timeouts"))


def test_a_killed_bot_in_bad_weather_loses_and_repeats_nothing(
    tmp_path: Path, model_dir: Path
) -> None:
    report = soak_run(7, tmp_path / "run", model_dir, kills=2, briefs=4, intake=3)
    assert report.ok, describe(report)
    assert report.faults["kills"] == 2
    assert met_every_slack_fault(report), report.faults
    assert report.verdict.kinds["briefs"].expected == 4
    assert report.verdict.kinds["transitions"].expected >= 4 * 4


@pytest.mark.skipif(
    not POSTGRES_URL or not available(),
    reason="needs MOPSBOT_TEST_POSTGRES_URL, PostgreSQL 15 and root (a throwaway cluster)",
)
def test_a_crashed_database_under_a_killed_bot_loses_and_repeats_nothing(
    tmp_path: Path, model_dir: Path
) -> None:
    with throwaway_cluster() as cluster:
        report = soak_run(
            8,
            tmp_path / "run",
            model_dir,
            kills=1,
            briefs=3,
            intake=2,
            postgres_url=cluster.admin_url,
            cluster=cluster,
            restarts=1,
        )
    assert report.ok, describe(report)
    assert report.backend == "postgresql"
    assert (report.faults["kills"], report.faults["database restarts"]) == (1, 1)
    assert met_every_slack_fault(report), report.faults
    assert report.verdict.kinds["briefs"].expected == 3
