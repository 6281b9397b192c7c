"""The soak: real bot processes killed with SIGKILL under a scripted load while Slack answers
429s, 5xx and late answers, PostgreSQL crashed and restarted under one and under two instances
(one of them killed too), and the sustained pace of one and two instances.

Every kill run (seeded: run N uses seed N, so a failing run is repeated with `--seeds N`) starts
a fresh database, the emulator's HTTP server in this process, and a bot process (`mopsbot
migrate`, then `mopsbot run --http`). The load files briefs, sends some back and resubmits them,
lets some wait through their reminder, escalation and repeats, approves them all, turns
personal digests on, and posts intake requests; every delivery is redelivered with
X-Slack-Retry-Num until acked. The bot is SIGKILLed at seeded moments and started again. All
along the emulator answers the bot's writes with a seeded FaultPlan (by default 5% 429
`ratelimited`, 3% 5xx, 3% posts made but answered after the bot's timeout), plus one burst of
each kind at a seeded moment, so every run meets all three. Then two runs on a throwaway
PostgreSQL cluster of their own (initdb under /tmp, never the shared server), restarted with
`pg_ctl restart -m immediate` mid-load: one instance, and two instances with one killed and
restarted. After a quiet end, one checker (tests/soak/invariants.py) compares the acked causes,
the database and the emulator's record: nothing lost, nothing duplicated, each thread in order.

Prints each run with its faults, then: events sent, redeliveries, faults injected per kind
(kills, 429s, 5xx, ambiguous timeouts, database restarts), effects observed against expected
per kind, the pass condition (zero lost, zero duplicated), deliveries per second and
p99 ack on one and two instances, and recovery after a kill (restart to ready, restart to the
first outbox row delivered). Exit status 1 when any run broke an invariant.

    PYTHONPATH=. .venv/bin/python benchmarks/soak.py [--runs 20] [--kills 2] [--postgres-url URL]
        [--seeds 3,7] [--ratelimited 0.05] [--server-error 0.03] [--timeout 0.03] [--no-bursts]
        [--no-faults] [--db-restarts 2] [--no-db-restart] [--no-two] [--no-throughput]
        [--model DIR]

The PostgreSQL runs need PostgreSQL 15's binaries and root (to run the throwaway cluster as the
postgres user); without them (or with --no-db-restart) they run on --postgres-url, where a
scratch database is created and dropped, and the server is never restarted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bot.core.logs import configure_logging
from bot.intake.classifier import train_from_policy
from tests.soak.invariants import Tally
from tests.soak.runs import CALM, RunReport, SlackWeather, soak_run
from tests.soak.throughput import Throughput, sustained
from tests.support.intake import TAXONOMY
from tests.support.postgres import available, throwaway_cluster

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FAULTS = ["kills", "429s", "5xx", "ambiguous timeouts", "database restarts"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="kill runs on SQLite (seeds 1..N)")
    parser.add_argument("--seeds", help="comma-separated seeds instead of 1..--runs")
    parser.add_argument("--kills", type=int, default=2, help="SIGKILLs per run")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("MOPSBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a server where scratch databases may be created",
    )
    weather = SlackWeather()
    parser.add_argument("--ratelimited", type=float, default=weather.ratelimited, help="429 rate")
    parser.add_argument("--server-error", type=float, default=weather.server_error, help="5xx rate")
    parser.add_argument(
        "--timeout",
        type=float,
        default=weather.timeout_after_accept,
        help="rate of posts made but answered after the bot's timeout",
    )
    parser.add_argument("--no-bursts", action="store_true", help="the rates only, no bursts")
    parser.add_argument("--no-faults", action="store_true", help="no Slack faults: kills only")
    parser.add_argument(
        "--db-restarts", type=int, default=2, help="PostgreSQL restarts in each PostgreSQL run"
    )
    parser.add_argument(
        "--no-db-restart", action="store_true", help="PostgreSQL runs on --postgres-url, no crash"
    )
    parser.add_argument(
        "--no-two", action="store_true", help="skip the PostgreSQL runs (one and two instances)"
    )
    parser.add_argument("--no-throughput", action="store_true", help="skip the pace figures")
    parser.add_argument("--throughput-seconds", type=float, default=20.0)
    parser.add_argument("--model", type=Path, help="a trained intake model (else trained here)")
    args = parser.parse_args()
    configure_logging("WARNING")
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else list(range(1, args.runs + 1))
    weather = (
        CALM
        if args.no_faults
        else SlackWeather(args.ratelimited, args.server_error, args.timeout, not args.no_bursts)
    )
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        folder = Path(tmp)
        model = args.model or train_model(folder / "model")
        reports: list[RunReport] = []
        for seed in seeds:
            report = soak_run(
                seed, folder / f"run-{seed}", model, kills=args.kills, weather=weather
            )
            print_run(report)
            reports.append(report)
        if not args.no_two:
            reports += postgres_runs(args, folder, model, weather)
        failed = summary(reports)  # before the pace figures: they must not hide a verdict
        if not args.no_throughput:
            for n in (1, 2):
                print_pace(
                    sustained(
                        folder / f"pace-{n}",
                        model,
                        instances=n,
                        postgres_url=args.postgres_url,
                        seconds=args.throughput_seconds,
                    )
                )
    return failed


def postgres_runs(
    args: argparse.Namespace, folder: Path, model: Path, weather: SlackWeather
) -> list[RunReport]:
    """One instance, then two (one killed mid-run), on a throwaway cluster restarted under
    them; on the given server, without restarts, when no cluster can be made here."""
    runs = [(2000, 1, args.kills), (1000, 2, 1)]  # (seed, instances, kills)
    reports = []
    if args.no_db_restart or not available():
        if not args.no_db_restart:
            print("no PostgreSQL 15 binaries or not root: PostgreSQL runs without restarts")
        for seed, instances, kills in runs:
            report = soak_run(
                seed,
                folder / f"pg-{seed}",
                model,
                kills=kills,
                instances=instances,
                postgres_url=args.postgres_url,
                weather=weather,
            )
            print_run(report)
            reports.append(report)
        return reports
    for seed, instances, kills in runs:
        with throwaway_cluster() as cluster:
            report = soak_run(
                seed,
                folder / f"pg-{seed}",
                model,
                kills=kills,
                instances=instances,
                postgres_url=cluster.admin_url,
                weather=weather,
                cluster=cluster,
                restarts=args.db_restarts,
            )
        print_run(report)
        reports.append(report)
    return reports


def train_model(directory: Path) -> Path:
    started = time.perf_counter()
    train_from_policy(TAXONOMY, directory, progress=False)
    print(f"intake model trained in {time.perf_counter() - started:.0f} s (once, shared by runs)")
    return directory


def print_run(report: RunReport) -> None:
    kills = ", ".join(f"{k.at:.1f}s" for k in report.kills) or "none"
    restarts = ", ".join(f"{r.at:.1f}s" for r in report.restarts)
    print(
        f"seed {report.seed:>4} {report.backend:<10} x{report.instances}  kills at {kills:<18} "
        + (f"database restarts at {restarts}  " if restarts else "")
        + f"deliveries {report.stats.sent:>3} redelivered {report.stats.redeliveries:>3}  "
        f"{'ok' if report.ok else 'FAILED'}  ({report.seconds:.0f} s)"
    )
    print(
        "    faults: "
        + ", ".join(f"{name} {report.faults.get(name, 0)}" for name in FAULTS)
        + (f"; exited by itself and started again: {report.exits}" if report.exits else "")
    )
    for problem in report.verdict.problems[:10]:
        print(f"    {problem}")


def summary(reports: list[RunReport]) -> int:
    kinds: dict[str, Tally] = defaultdict(Tally)
    for report in reports:
        for name, tally in report.verdict.kinds.items():
            total = kinds[name]
            total.expected += tally.expected
            total.observed += tally.observed
            total.lost += tally.lost
            total.duplicated += tally.duplicated
    failed = [r.seed for r in reports if not r.ok]
    print()
    print(
        f"runs: {len(reports)} ({sum(r.instances == 2 for r in reports)} with two instances, "
        f"{sum(bool(r.restarts) for r in reports)} with PostgreSQL restarts)"
    )
    print(f"events sent: {sum(r.stats.sent for r in reports)}")
    print(f"redeliveries: {sum(r.stats.redeliveries for r in reports)}")
    faults = defaultdict(int)
    for report in reports:
        for name, count in report.faults.items():
            faults[name] += count
    print("faults injected: " + ", ".join(f"{name} {faults[name]}" for name in FAULTS))
    exits = sum(r.exits for r in reports)
    if exits:
        # One started while PostgreSQL restarts can't reach it and exits; the harness restarts it.
        print(f"instances that exited by themselves and were started again: {exits}")
    print("effects (expected / observed, lost, duplicated):")
    for name in sorted(kinds):
        t = kinds[name]
        print(
            f"  {name:<20} {t.expected:>5} / {t.observed:<5} lost {t.lost}, duplicated {t.duplicated}"
        )
    lost = sum(t.lost for t in kinds.values())
    duplicated = sum(t.duplicated for t in kinds.values())
    problems = sum(len(r.verdict.problems) for r in reports)
    verdict = "PASS" if not failed else f"FAIL (seeds {', '.join(map(str, failed))})"
    print(f"lost {lost}, duplicated {duplicated}, other problems {problems}: {verdict}")
    ready = [k.ready_after for r in reports if r.instances == 1 for k in r.kills if k.ready_after]
    first = [
        k.first_delivery_after
        for r in reports
        if r.instances == 1
        for k in r.kills
        if k.first_delivery_after
    ]
    if ready:
        print(
            f"recovery after a kill: restart to ready p50 {statistics.median(ready):.1f} s, "
            f"max {max(ready):.1f} s; restart to first delivered outbox row p50 "
            f"{statistics.median(first):.1f} s, max {max(first):.1f} s ({len(first)} restarts)"
            if first
            else f"recovery after a kill: restart to ready p50 {statistics.median(ready):.1f} s"
        )
    down = [c.down_for for r in reports for c in r.restarts if c.down_for is not None]
    if down:
        print(
            f"database restarts: pg_ctl restart -m immediate took p50 "
            f"{statistics.median(down):.1f} s, max {max(down):.1f} s ({len(down)} restarts)"
        )
    return 1 if failed else 0


def print_pace(pace: Throughput) -> None:
    print(
        f"sustained, {pace.instances} instance(s) on {pace.backend}: "
        f"{pace.per_second:.1f} deliveries/s acked over {pace.seconds:.0f} s "
        f"(p50 ack {pace.p50_ack * 1000:.0f} ms, p99 ack {pace.p99_ack * 1000:.0f} ms, "
        f"{pace.redeliveries} redelivered); outbox {pace.outbox_per_second:.1f} rows/s"
    )


if __name__ == "__main__":
    sys.exit(main())
