"""Reading results files, the pre-registered decision rule, and `mopsbot experiment readout`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from bot.cli.main import main
from bot.experiments import messages, service
from bot.experiments.plan import Direction, Method, Metric, Plan
from bot.experiments.readout import Decision, read_out
from bot.experiments.results import Results, ResultsError, parse_csv
from bot.experiments.statistics import Moments
from bot.slack.models import OutboxMessage
from bot.storage.database import Database


def per_unit_csv(rates: dict[str, tuple[int, float]], seed: int = 1, days: int = 0) -> str:
    rng = np.random.default_rng(seed)
    lines = ["arm,converted,revenue" + (",date" if days else "")]
    for arm, (n, rate) in rates.items():
        for i in range(n):
            converted = int(rng.random() < rate)
            revenue = round(converted * rng.exponential(40.0), 2)
            day = f",2026-11-{1 + i % days:02d}" if days else ""
            lines.append(f"{arm},{converted},{revenue}{day}")
    return "\n".join(lines) + "\n"


def plan(**changes: object) -> Plan:
    fields: dict[str, object] = {
        "title": "Shorter signup form",
        "hypothesis": "Fewer fields convert more visitors",
        "arms": ["control", "short"],
        "goals": [Metric(name="converted")],
    }
    fields.update(changes)
    return Plan.model_validate(fields)


def test_per_unit_and_aggregated_files_give_the_same_moments() -> None:
    text = per_unit_csv({"control": (300, 0.1), "short": (300, 0.2)}, days=3)
    per_unit = parse_csv(text)
    lines = ["arm,date,users,converted_sum,converted_sumsq,revenue_sum,revenue_sumsq"]
    for (arm, day), n in sorted(per_unit.units.items(), key=str):
        c, r = per_unit.moments[(arm, day, "converted")], per_unit.moments[(arm, day, "revenue")]
        lines.append(f"{arm},{day},{n},{c.total},{c.total_sq},{r.total},{r.total_sq}")
    aggregated = parse_csv("\n".join(lines))
    assert aggregated.units == per_unit.units
    for key, moments in per_unit.moments.items():
        assert aggregated.moments[key].total == pytest.approx(moments.total)
    assert per_unit.days == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    assert per_unit.units_per_arm(until=date(2026, 11, 1)) == {"control": 100, "short": 100}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("variant,x\na,1\n", "There is no `arm` column (the columns are: variant, x)."),
        ("arm\na\n", "There is no metric column besides the arm and the date."),
        (
            "arm,x\na,1\n,2\nb,lots\n",
            "line 3: the `arm` cell is empty; line 4: `x` is not a number ('lots')",
        ),
        (
            "arm,x,date\na,1,yesterday\n",
            "line 2: `date` is not a date like 2026-11-01 ('yesterday')",
        ),
        ("arm,users,x_sum\na,3,4\n", "missing: `date`, `x_sumsq`"),
        (
            "arm,date,users,x_sum,x_sumsq\na,2026-11-01,2.5,1,1\n",
            "line 2: `users` must be a whole number, not 2.5",
        ),
        ("arm,x\n", "The file has no rows."),
    ],
)
def test_bad_files_are_refused_with_the_line_and_why(text: str, message: str) -> None:
    with pytest.raises(ResultsError) as error:
        parse_csv(text)
    assert message in str(error.value)


def test_a_day_pushed_again_replaces_the_first_push() -> None:
    first = parse_csv("arm,date,users,x_sum,x_sumsq\na,2026-11-01,10,5,5\nb,2026-11-01,10,4,4\n")
    fixed = parse_csv("arm,date,users,x_sum,x_sumsq\na,2026-11-01,12,6,6\n")
    merged = first.merge(fixed)
    assert merged.units_per_arm() == {"a": 12, "b": 10}
    assert merged.totals("x")["a"] == Moments(12, 6.0, 6.0)


def results_of(arms: dict[str, dict[str, Moments]]) -> Results:
    results = Results()
    for arm, metrics in arms.items():
        for name, moments in metrics.items():
            results.units[(arm, None)] = moments.n
            results.moments[(arm, None, name)] = moments
    return results


def rate(n: int, share: float) -> Moments:
    return Moments(n, n * share, n * share)


def test_ship_needs_every_goal_significant_and_no_guardrail_worse_than_its_margin() -> None:
    guarded = plan(
        guardrails=[Metric(name="unsubscribed", direction=Direction.DECREASE, margin=0.05)]
    )
    ship = results_of(
        {
            "control": {"converted": rate(20_000, 0.10), "unsubscribed": rate(20_000, 0.020)},
            "short": {"converted": rate(20_000, 0.12), "unsubscribed": rate(20_000, 0.020)},
        }
    )
    readout = read_out(guarded, ship, final=True)
    assert (readout.decision, readout.arm) == (Decision.SHIP, "short")

    harmful = results_of(
        {
            "control": {"converted": rate(20_000, 0.10), "unsubscribed": rate(20_000, 0.020)},
            "short": {"converted": rate(20_000, 0.12), "unsubscribed": rate(20_000, 0.030)},
        }
    )
    assert read_out(guarded, harmful, final=True).decision is Decision.ROLL_BACK


def test_srm_makes_the_readout_unhealthy_whatever_the_effect() -> None:
    results = results_of(
        {"control": {"converted": rate(21_000, 0.10)}, "short": {"converted": rate(19_000, 0.13)}}
    )
    readout = read_out(plan(), results, final=True)
    assert readout.decision is Decision.UNHEALTHY
    assert readout.srm.status == "alert"


def test_fixed_horizon_waits_for_its_last_checkpoint_and_sequential_does_not() -> None:
    results = results_of(
        {"control": {"converted": rate(20_000, 0.10)}, "short": {"converted": rate(20_000, 0.12)}}
    )
    assert read_out(plan(), results, final=False).decision is Decision.KEEP_RUNNING
    sequential = plan(method=Method.SEQUENTIAL)
    assert read_out(sequential, results, final=False).decision is Decision.SHIP


def test_no_effect_is_inconclusive_at_the_end_and_the_wrong_way_rolls_back() -> None:
    flat = results_of(
        {"control": {"converted": rate(5_000, 0.10)}, "short": {"converted": rate(5_000, 0.101)}}
    )
    assert read_out(plan(), flat, final=True).decision is Decision.INCONCLUSIVE
    worse = results_of(
        {"control": {"converted": rate(20_000, 0.12)}, "short": {"converted": rate(20_000, 0.10)}}
    )
    assert read_out(plan(), worse, final=True).decision is Decision.ROLL_BACK


def test_bandit_readout_gives_traffic_weights() -> None:
    arms = ["A", "B", "C"]
    results = results_of(
        {
            "A": {"converted": rate(3_000, 0.10)},
            "B": {"converted": rate(3_000, 0.14)},
            "C": {"converted": rate(3_000, 0.09)},
        }
    )
    readout = read_out(plan(arms=arms, method=Method.BANDIT), results, final=False)
    assert readout.weights["B"] > 0.9 and min(readout.weights.values()) >= 0.01 - 1e-12
    assert readout.decision is Decision.KEEP_RUNNING  # interim readouts move traffic only
    final = read_out(plan(arms=arms, method=Method.BANDIT), results, final=True)
    assert (final.decision, final.arm) == (Decision.SHIP, "B")
    text = messages.readout_text(
        plan(arms=arms, method=Method.BANDIT),
        readout,
        checkpoint=7,
        until=date(2026, 11, 8),
        days_left=7,
        follow_up="",
        version=1,
        amended=False,
    )
    assert "Traffic for the next period (Thompson sampling):* A 1%, B 98%, C 1%" in text
    assert "effect estimates are biased" in text


def test_plan_refuses_duplicate_arms_and_a_last_checkpoint_before_the_minimum_runtime() -> None:
    with pytest.raises(ValueError, match="two arms have the same name"):
        plan(arms=["control", "Control"])
    with pytest.raises(ValueError, match="before the minimum runtime"):
        plan(checkpoints=[3], min_days=7)


def test_cli_readout_prints_counts_srm_effects_and_decision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "results.csv"
    path.write_text(
        per_unit_csv({"control": (6000, 0.10), "short": (6000, 0.13)}).replace(
            "arm,", "variant,", 1
        )
    )
    argv = ["experiment", "readout", str(path), "--arm", "variant", "--control", "control"]
    assert main([*argv, "--metric", "converted", "--metric", "revenue", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["units"] == {"control": 6000, "short": 6000}
    assert document["srm"]["status"] == "ok"
    converted = document["metrics"][0]["comparisons"][0]
    assert converted["arm"] == "short"
    assert converted["relative_lift"] == pytest.approx(
        converted["mean"] / converted["control_mean"] - 1
    )
    low, high = converted["absolute_interval"]
    assert low < converted["absolute_lift"] < high
    assert document["decision"] in {"ship", "inconclusive"}

    assert main([*argv, "--metric", "converted", "--method", "sequential"]) == 0
    text = capsys.readouterr().out
    assert "units: control 6,000, short 6,000" in text and "decision:" in text


def test_cli_readout_bad_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "results.csv"
    path.write_text("arm,converted\ncontrol,1\nshort,0\n")
    assert (
        main(["experiment", "readout", str(path), "--control", "nobody", "--metric", "converted"])
        == 2
    )
    assert capsys.readouterr().err == "mopsbot: no arm named 'nobody' (arms: control, short)\n"
    assert (
        main(["experiment", "readout", str(path), "--control", "control", "--metric", "clicks"])
        == 2
    )
    assert capsys.readouterr().err == "mopsbot: No column named `clicks`.\n"
    assert (
        main(
            ["experiment", "readout", str(tmp_path / "none.csv"), "--control", "c", "--metric", "x"]
        )
        == 2
    )
    assert "cannot read" in capsys.readouterr().err


def test_cli_results_feed_a_registered_experiment_and_refuse_a_bad_file(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", db.url)
    now = datetime(2026, 11, 10, 9, tzinfo=UTC)
    with db.transaction() as session:
        service.register(
            session,
            plan(checkpoints=[7, 14]),
            owner_id="U01RITA",
            channel_id="C01MKTG",
            policy_version="p1",
            now=now,
        )
    good = tmp_path / "good.csv"
    good.write_text(per_unit_csv({"control": (100, 0.1), "short": (100, 0.2)}, days=3))
    assert main(["experiment", "results", "1", str(good)]) == 0
    assert "3 day(s) in. The next readout comes at day 7." in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("arm,converted\ncontrol,1\nlong,0\n")
    assert main(["experiment", "results", "1", str(bad)]) == 2
    assert "arms the plan doesn't name (long)" in capsys.readouterr().err
    assert main(["experiment", "results", "9", str(good)]) == 2
    assert capsys.readouterr().err == "mopsbot: There is no experiment #9.\n"
    with db.read() as session:
        stored = service.stored_results(session, 1)
        kinds = [row.method for row in session.scalars(select(OutboxMessage))]
    assert stored.units_per_arm() == {"control": 100, "short": 100}
    assert kinds == ["chat.postMessage", "chat.postMessage"]  # the plan, then the progress note


def test_a_readout_with_a_zero_control_says_so_instead_of_nan() -> None:
    results = results_of(
        {
            "control": {"converted": Moments(1000, 0.0, 0.0)},
            "short": {"converted": rate(1000, 0.01)},
        }
    )
    readout = read_out(plan(), results, final=True)
    text = messages.readout_text(
        plan(),
        readout,
        checkpoint=7,
        until=date(2026, 11, 8),
        days_left=None,
        follow_up="",
        version=1,
        amended=False,
    )
    assert "nan" not in text.lower() and "no relative lift (control is 0)" in text


def test_a_bandit_readout_counts_days_to_its_last_checkpoint(db: Database) -> None:
    now = datetime(2026, 11, 10, 9, tzinfo=UTC)
    bandit = plan(arms=["plain", "question", "emoji"], method=Method.BANDIT, checkpoints=[3, 7])
    text = per_unit_csv({"plain": (300, 0.2), "question": (300, 0.3), "emoji": (300, 0.2)}, days=3)
    with db.transaction() as session:
        experiment = service.register(
            session, bandit, owner_id="U01RITA", channel_id="C01MKTG", policy_version="p", now=now
        )
        done = service.add_results(
            session,
            experiment,
            parse_csv(text),
            source="cli",
            actor_id="cli",
            policy_version="p",
            now=now,
        )
    assert "keep running (~4 days left)" in done.message
