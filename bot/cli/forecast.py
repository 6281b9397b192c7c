"""`mopsbot forecast`: capacity per review stage from the database, and what-ifs from numbers.

`mopsbot forecast` reads the audit trail (DATABASE_URL) and the policy (MOPSBOT_POLICY_FILE), as
`/mops forecast` does. `mopsbot forecast what-if` needs neither: give it a stage's arrivals,
decision time, reviewers and SLA. Exit status: 0, or 2 for a usage error (one line).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from bot.app.config import Settings

EPILOG = """\
examples:
  mopsbot forecast                                  every stage, from the last 90 days
  mopsbot forecast --spike 2 --from 2027-03-01 --to 2027-03-14 --reviewers legal=3
  mopsbot forecast what-if --arrivals-per-day 6 --service-hours 2 --reviewers 2 --sla-hours 8 --json
"""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2027-03-01") from None


def _positive(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"'{text}' must be more than 0")
        return value

    return parse


def _stage_count(text: str) -> tuple[str, int]:
    stage, _, count = text.partition("=")
    if not stage or not count.isdigit() or int(count) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not STAGE=N, like legal=3")
    return stage, int(count)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "forecast",
        help="capacity per review stage: utilisation, late briefs, reviewers needed",
        description="Capacity per review stage from the audit trail, with what-ifs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--days", type=_positive(int), help="history to learn from (policy's)")
    parser.add_argument("--spike", type=_positive(float), default=1.0, help="arrivals multiplier")
    parser.add_argument("--from", dest="spike_from", type=_day, help="first day of the spike")
    parser.add_argument("--to", dest="spike_to", type=_day, help="last day of the spike")
    parser.add_argument(
        "--reviewers", type=_stage_count, action="append", default=[], metavar="STAGE=N"
    )
    parser.add_argument("--by", type=_day, help="how many reviews will have ended by this day")
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="also replay each stage in a simulation with its observed decision times (SimPy)",
    )
    parser.set_defaults(handler=cmd_forecast)

    actions = parser.add_subparsers(dest="forecast_command", metavar="ACTION")
    what_if = actions.add_parser(
        "what-if",
        help="one stage from numbers: no database needed",
        description="One review stage as a queue: arrivals, decision time, reviewers and SLA.",
    )
    what_if.add_argument("--arrivals-per-day", type=_positive(float), required=True)
    what_if.add_argument(
        "--service-hours", type=_positive(float), required=True, help="business h per decision"
    )
    what_if.add_argument("--service-cv", type=float, default=1.0, help="spread of decision times")
    what_if.add_argument("--reviewers", type=_positive(int), required=True)
    what_if.add_argument("--sla-hours", type=_positive(float), required=True)
    what_if.add_argument("--hours-per-day", type=_positive(float), default=8.0)
    what_if.add_argument("--spike", type=_positive(float), default=1.0)
    what_if.add_argument(
        "--max-breach", type=float, default=0.1, help="target share of late briefs"
    )
    what_if.add_argument(
        "--simulate", action="store_true", help="also replay it in a simulation (SimPy)"
    )
    what_if.add_argument("--json", action="store_true", help="one JSON object")
    what_if.set_defaults(handler=cmd_what_if)


def cmd_what_if(args: argparse.Namespace, settings: Settings) -> int:
    from bot.flow import queueing, simulation

    if not 0 < args.max_breach < 1:
        print("mopsbot: --max-breach is a share between 0 and 1, like 0.1", file=sys.stderr)
        return 2
    if args.service_cv < 0:
        print("mopsbot: --service-cv cannot be negative", file=sys.stderr)
        return 2
    load = queueing.StageLoad(
        args.arrivals_per_day * args.spike / args.hours_per_day,
        args.service_hours,
        args.reviewers,
        args.service_cv**2,
    )
    result = queueing.forecast(load, args.sla_hours)
    report: dict[str, Any] = {
        "utilisation": round(load.utilisation, 4),
        "stable": load.stable,
        "breach_probability": _rounded(result.breach_probability),
        "mean_wait_hours": _rounded(result.mean_hours),
        "p90_wait_hours": _rounded(result.p90_hours),
        "queue_growth_per_day": round(result.growth_per_hour * args.hours_per_day, 4),
        "reviewers_needed": queueing.reviewers_needed(load, args.sla_hours, args.max_breach),
    }
    if args.simulate and load.stable and load.arrivals_per_hour > 0:
        scale = args.service_cv**2
        sampler = (
            simulation.exponential(args.service_hours)
            if abs(args.service_cv - 1) < 1e-9
            else simulation.gamma(args.service_hours, scale)
        )
        simulated = simulation.simulate(
            load.arrivals_per_hour, sampler, args.reviewers, args.sla_hours
        )
        report["simulated"] = {
            "breach_probability": round(simulated.breach_probability or 0.0, 4),
            "mean_wait_hours": round(simulated.mean_hours, 4),
            "p90_wait_hours": round(simulated.p90_hours, 4),
        }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return 0


def cmd_forecast(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.clock import utcnow
    from bot.flow import capacity, flows
    from bot.flow.flows import ForecastAsk
    from bot.flow.forecast import WhatIf
    from bot.storage.database import open_existing
    from policies.loader import load_policy

    if (args.spike_from is None) != (args.spike_to is None):
        print("mopsbot: give --from and --to together", file=sys.stderr)
        return 2
    policy = load_policy(settings.policy_file)
    stages = capacity.stage_names(policy)
    unknown = [stage for stage, _ in args.reviewers if stage not in stages]
    if unknown:
        print(
            f"mopsbot: '{unknown[0]}' is not a review stage ({', '.join(stages)})", file=sys.stderr
        )
        return 2
    db = open_existing(settings.database_url)  # NoDatabase: main says it in one line
    try:
        lines = flows.forecast(
            db,
            policy,
            now=utcnow(),
            ask=ForecastAsk(
                WhatIf(args.spike, args.spike_from, args.spike_to, dict(args.reviewers)),
                by=args.by,
                days=args.days,
                simulate=args.simulate,
            ),
        )
    finally:
        db.dispose()
    print("\n".join(line.replace("*", "").strip("_") for line in lines))  # Slack's marks off
    return 0


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
