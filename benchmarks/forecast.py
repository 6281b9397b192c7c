"""The capacity forecast: its closed form against simulation, and its speed on two years of history.

1. Closed form (bot/flow/queueing.py: Erlang C, the Allen-Cunneen correction, gamma decisions)
   against a SimPy replay (bot/flow/simulation.py) over a grid of arrival rate, reviewers,
   decision-time spread and SLA. Printed per spread: the largest absolute difference in the
   chance a brief runs past its SLA (target < 0.02 for exponential decisions, where the closed
   form is exact M/M/c and every difference is simulation noise; the others show what the
   correction leaves).
2. Two years of a busy team (20,000 briefs through brand and legal, as audit rows): the time from
   the rows (as the database hands them over) to every stage's outlook, a what-if and the done
   dates (target < 2 s).

    .venv/bin/python benchmarks/forecast.py [--briefs 20000] [--simulated 20000] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.app.config import PACKAGE_POLICY
from bot.flow import forecast, queueing, simulation
from bot.flow.metrics import ACTIONS, STATES, TransitionColumns, stage_stays
from bot.flow.queueing import StageLoad
from bot.sla.calendar import calendar_for
from policies.loader import load_policy

UTILISATIONS = (0.5, 0.75, 0.9)
REVIEWERS = (1, 2, 5)
MEAN_HOURS = 2.0
SLA_MULTIPLES = (1.5, 4.0)  # the SLA as a multiple of the mean decision time
SPREADS = {"exponential (cs2=1)": 1.0, "steady (cs2=0.25)": 0.25, "erratic (cs2=2)": 2.0}
TARGET_EXPONENTIAL = 0.02
TARGET_SECONDS = 2.0


def grid(simulated: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for name, cs2 in SPREADS.items():
        worst, worst_case = 0.0, ""
        sampler = (
            simulation.exponential(MEAN_HOURS) if cs2 == 1.0 else simulation.gamma(MEAN_HOURS, cs2)
        )
        for rho, reviewers, multiple in itertools.product(UTILISATIONS, REVIEWERS, SLA_MULTIPLES):
            per_hour = rho * reviewers / MEAN_HOURS
            sla = multiple * MEAN_HOURS
            closed = queueing.forecast(StageLoad(per_hour, MEAN_HOURS, reviewers, cs2), sla)
            # Near saturation a queue forgets its past slowly, so a run needs more briefs for the
            # same noise: about (1 - rho)^-2 more (capped), 200,000 at rho = 0.9.
            briefs = int(simulated * min(10.0, (0.5 / (1 - rho)) ** 2))
            replayed = simulation.simulate(
                per_hour, sampler, reviewers, sla, briefs=briefs, warm_up=briefs // 10, seed=3
            )
            assert closed.breach_probability is not None
            assert replayed.breach_probability is not None
            difference = abs(closed.breach_probability - replayed.breach_probability)
            if difference > worst:
                worst, worst_case = difference, f"rho={rho} c={reviewers} sla={sla:g}h"
        results[name] = {"max_abs_difference": round(worst, 4), "cases": 18, "at": worst_case}  # type: ignore[dict-item]
    return results


def two_years(briefs: int) -> tuple[TransitionColumns, datetime]:
    """Submit, brand approve, legal approve (or changes requested, 15%) for `briefs` briefs over
    two years, as columns the way bot/flow/moves.py reads them."""
    rng = np.random.default_rng(7)
    now = datetime(2026, 12, 1, 17, tzinfo=UTC)
    start = (now - timedelta(days=730)).timestamp()
    submitted = np.sort(rng.uniform(start, now.timestamp() - 3 * 86400, briefs))
    brand = submitted + rng.exponential(6 * 3600, briefs)
    legal = brand + rng.exponential(10 * 3600, briefs)
    changes = rng.random(briefs) < 0.15
    action = {name: code for code, name in enumerate(ACTIONS)}
    state = {name: code for code, name in enumerate(STATES)}
    ids = np.arange(1, briefs + 1)
    rows = [
        (ids, action["submit"], state["draft"], state["in_review"], 0, submitted),
        (ids, action["approve"], state["in_review"], state["in_review"], 0, brand),
        (
            ids,
            np.where(changes, action["request_changes"], action["approve"]),
            state["in_review"],
            np.where(changes, state["changes_requested"], state["approved"]),
            1,
            legal,
        ),
    ]
    columns = [
        np.concatenate([np.broadcast_to(part[i], briefs) for part in rows]) for i in range(6)
    ]
    return (
        TransitionColumns(
            columns[0].astype(np.int64),
            columns[1].astype(np.int8),
            columns[2].astype(np.int8),
            columns[3].astype(np.int8),
            columns[4].astype(np.int32),
            ("brand", "legal"),
            columns[5].astype(np.float64),
        ),
        now,
    )


def history_speed(briefs: int, repeat: int = 5) -> dict[str, float]:
    policy = load_policy(PACKAGE_POLICY)
    calendar = calendar_for(policy)
    columns, now = two_years(briefs)
    since = now - timedelta(days=730)
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        stays = stage_stays(columns, since, now, calendar, stage_order=["brand", "legal"])
        past = forecast.estimate(
            stays,
            calendar,
            since=since,
            now=now,
            reviewers={"brand": 3, "legal": 2},
            sla_hours={"brand": 17.0, "legal": 8.5},
            stages=["brand", "legal"],
        )
        forecast.outlook(past, forecast.WhatIf(), 0.1)
        forecast.outlook(past, forecast.WhatIf(spike=2.0, reviewers={"legal": 3}), 0.1)
        forecast.completion(past, calendar, now.date())
        timings.append(time.perf_counter() - began)
    return {
        "briefs": briefs,
        "audit_rows": int(columns.at.size),
        "median_seconds": round(float(np.median(timings)), 3),
        "max_seconds": round(max(timings), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--briefs", type=int, default=20_000)
    parser.add_argument("--simulated", type=int, default=20_000, help="briefs per simulation")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    began = time.perf_counter()
    comparison = grid(args.simulated)
    grid_seconds = time.perf_counter() - began
    speed = history_speed(args.briefs)
    if args.json:
        print(json.dumps({"closed_vs_simulated": comparison, "two_years": speed}))
        return
    print(
        f"closed form vs SimPy ({args.simulated:,} to {args.simulated * 10:,} briefs per case, "
        f"{grid_seconds:.0f} s):"
    )
    for name, result in comparison.items():
        target = f" (target < {TARGET_EXPONENTIAL})" if name.startswith("exponential") else ""
        print(
            f"  {name:<22} largest |difference| in P(late) {result['max_abs_difference']:.4f}"
            f" over {result['cases']} cases{target}, at {result['at']}"
        )
    print(
        f"two years, {speed['briefs']:,} briefs ({speed['audit_rows']:,} audit rows) to outlook, "
        f"what-if and done dates: median {speed['median_seconds']:.3f} s, "
        f"max {speed['max_seconds']:.3f} s (target < {TARGET_SECONDS} s)"
    )


if __name__ == "__main__":
    main()
