"""`mopsbot experiment`: read a results file out without Slack, and feed results to a
registered experiment."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from bot.app.config import Settings

READOUT_EPILOG = """\
The file is one row per unit (ARM column, metric columns, optional date) or aggregated
(arm, date, users, METRIC_sum, METRIC_sumsq). Every --metric is a goal where higher is better;
the readout is a final look: the decision is ship, roll_back, inconclusive or unhealthy.

example:
  mopsbot experiment readout results.csv --arm variant --control control \\
      --metric converted --metric revenue --json
"""


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("experiment", help="experiments: readouts and results")
    actions = group.add_subparsers(dest="experiment_command", metavar="ACTION", required=True)

    readout = actions.add_parser(
        "readout",
        help="effects, sample ratio and decision for a results file (no Slack)",
        epilog=READOUT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    readout.add_argument("file", type=Path, help="results CSV, or - for standard input")
    readout.add_argument("--arm", default="arm", help="the column naming the arm (default arm)")
    readout.add_argument("--control", required=True, help="the control arm's name")
    readout.add_argument(
        "--metric", action="append", required=True, help="a metric column (once or twice)"
    )
    readout.add_argument("--method", choices=["fixed", "sequential"], default="fixed")
    readout.add_argument("--alpha", type=float, default=0.05)
    readout.add_argument("--mde", type=float, default=0.10, help="relative, 0.10 = 10%%")
    readout.add_argument("--json", action="store_true", help="print JSON instead of text")
    readout.set_defaults(handler=cmd_readout)

    results = actions.add_parser(
        "results",
        help="add a results CSV to a registered experiment (its thread gets the progress note "
        "or the readout when the bot next sends)",
    )
    results.add_argument("experiment", type=int, help="the experiment's number")
    results.add_argument("file", type=Path, help="results CSV, or - for standard input")
    results.set_defaults(handler=cmd_results)


def cmd_results(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.clock import utcnow
    from bot.experiments import flows
    from bot.storage.database import Database
    from policies.loader import PolicyStore

    try:
        text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}")
    db = Database(settings.database_url)
    try:
        done = flows.add_results(
            db,
            experiment_id=args.experiment,
            text=text,
            source="cli",
            actor_id="cli",
            policy_version=PolicyStore(settings.policy_file).current.version,
            now=utcnow(),
        )
    finally:
        db.dispose()
    if not done.ok:
        return _fail(done.message)
    print(done.message)
    return 0


def cmd_readout(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import ValidationError

    from bot.experiments.plan import Method, Metric, Plan
    from bot.experiments.readout import read_out
    from bot.experiments.results import ResultsError, parse_csv

    try:
        text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}")
    try:
        results = parse_csv(text, arm_column=args.arm, metrics=args.metric)
    except ResultsError as exc:
        return _fail(str(exc))
    if args.control not in results.arms:
        return _fail(f"no arm named {args.control!r} (arms: {', '.join(results.arms)})")
    arms = [args.control, *[arm for arm in results.arms if arm != args.control]]
    if len(arms) < 2:
        return _fail("the file has only one arm")
    try:
        plan = Plan(
            title="readout",
            hypothesis="readout",
            arms=arms,
            goals=[Metric(name=name) for name in args.metric],
            mde=args.mde,
            alpha=args.alpha,
            method=Method(args.method),
        )
    except ValidationError as exc:
        return _fail("; ".join(error["msg"] for error in exc.errors()))
    readout = read_out(plan, results, final=True)
    document = _document(plan, readout)
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(_text(document))
    return 0


def _document(plan: Any, readout: Any) -> dict[str, Any]:
    metrics = []
    for item in readout.metrics:
        comparisons = []
        for arm, effect in item.effects.items():
            comparisons.append(
                {
                    "arm": arm,
                    "control_mean": _num(effect.control_mean),
                    "mean": _num(effect.treatment_mean),
                    "absolute_lift": _num(effect.absolute),
                    "absolute_interval": [_num(effect.absolute_low), _num(effect.absolute_high)],
                    "relative_lift": _num(effect.relative),
                    "relative_interval": [_num(effect.relative_low), _num(effect.relative_high)],
                    "p_value": _num(effect.p_value),
                }
            )
        metrics.append(
            {
                "metric": item.metric.name,
                "power_at_mde": _num(item.power),
                "units_needed_per_arm": item.units_needed,
                "comparisons": comparisons,
            }
        )
    return {
        "control": plan.control,
        "method": plan.method.value,
        "alpha_per_comparison": readout.alpha,
        "units": readout.units,
        "srm": {
            "chi2": _num(readout.srm.chi2),
            "p_value": _num(readout.srm.p_value),
            "status": readout.srm.status,
        },
        "metrics": metrics,
        "decision": readout.decision.value,
        "ship_arm": readout.arm,
        "reasons": readout.reasons,
    }


def _text(document: dict[str, Any]) -> str:
    lines = [
        "units: " + ", ".join(f"{arm} {n:,}" for arm, n in document["units"].items()),
        f"sample ratio: p = {document['srm']['p_value']:.3g} ({document['srm']['status']})",
    ]
    for metric in document["metrics"]:
        lines.append(f"{metric['metric']} (power at the MDE {metric['power_at_mde']:.0%}):")
        for row in metric["comparisons"]:
            low, high = row["relative_interval"]
            lines.append(
                f"  {row['arm']}: {row['mean']:.4g} vs {row['control_mean']:.4g}, "
                f"lift {_pct(row['relative_lift'])} [{_pct(low)}, {_pct(high)}], "
                f"p = {row['p_value']:.3g}"
            )
    lines.append(
        f"decision: {document['decision']}"
        + (f" {document['ship_arm']}" if document["ship_arm"] else "")
    )
    lines.extend(f"  {reason}" for reason in document["reasons"])
    return "\n".join(lines)


def _num(value: float) -> float | None:
    """JSON has no infinity or NaN: an interval without bounds prints as null."""
    return float(value) if math.isfinite(value) else None


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def _fail(message: str) -> int:
    print(f"mopsbot: {message}", file=sys.stderr)
    return 2
