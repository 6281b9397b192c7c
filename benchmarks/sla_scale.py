"""SLA features at scale: 100,000 open briefs and 1,000,000 audit rows in PostgreSQL.

Creates a throwaway database on the server, migrates it, bulk-loads a team's year (COPY), then
times what runs often or answers a person: the reminder tick's claim of due rows (target under
50 ms), building one channel digest (under 1 s) and `/mops stats 90d` from database to text
(under 2 s), plus the weekly chart's rendering on its own. The database is dropped at the end.

    .venv/bin/python benchmarks/sla_scale.py [--postgres-url URL] [--open 100000]
        [--audit-rows 1000000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app.config import PACKAGE_POLICY
from bot.digests import service as digest
from bot.flow import charts
from bot.flow import service as flow
from bot.sla import reminders
from bot.storage.database import Database, migrate
from policies.loader import load_policy

NOW = datetime(2026, 11, 10, 10, 30, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
TARGETS = {"reminder claim": 0.050, "channel digest": 1.0, "/mops stats 90d": 2.0}
STAGES = ["brand", "legal"]
GATED = ["brand", "legal", "medical"]  # a compliance gate added a stage to some briefs
HOUR = 3600.0
SLA_WALL_HOURS = {"brand": 60.0, "legal": 30.0}  # 2 and 1 business days, roughly, on a clock


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"mopsbot_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- the data ----------------------------------------------------------------------------------


class Team:
    """Rows for briefs, audit_events and reminders, written straight into COPY buffers."""

    def __init__(self) -> None:
        self.briefs: list[tuple] = []
        self.audit: list[tuple] = []
        self.reminders: list[tuple] = []
        self.next_brief = 1

    def brief(
        self,
        state: str,
        stages: list[str],
        index: int | None,
        rounds: int,
        created: float,
        entered: float,
    ) -> int:
        brief_id = self.next_brief
        self.next_brief += 1
        self.briefs.append(
            (
                brief_id,
                f"Campaign {brief_id}",
                "{}",
                f"U{brief_id % 500:05d}",
                "C01MKTG",
                state,
                json.dumps(stages),
                index,
                rounds,
                "1",
                "bench",
                _ts(created),
                _ts(entered),
                _ts(entered),
                1,
            )
        )
        return brief_id

    def move(
        self,
        brief_id: int,
        action: str,
        before: str | None,
        after: str | None,
        stage: str | None,
        rounds: int,
        at: float,
    ) -> None:
        self.audit.append(
            (brief_id, "U02BRAM", action, before, after, stage, rounds, "bench", _ts(at))
        )

    def reminder(
        self, brief_id: int, stage: str, rounds: int, kind: str, due: float, status: str
    ) -> None:
        sequence = 0 if kind != "repeat" else 1
        self.reminders.append(
            (
                brief_id,
                stage,
                rounds,
                kind,
                sequence,
                _ts(due),
                status,
                _ts(due) if status == "sent" else None,
            )
        )


def _ts(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def build_team(open_briefs: int, audit_rows: int, seed: int = 4) -> Team:
    """Open briefs waiting up to 30 days at brand, legal or a gate stage, or for changes; then
    briefs approved, rejected or cancelled over the past year until the audit rows are there.
    Every life is a legal path through the workflow, so every figure has meaning."""
    rng = np.random.default_rng(seed)
    team, now = Team(), NOW.timestamp()
    for _ in range(open_briefs):
        stages = GATED if rng.random() < 0.05 else STAGES
        age = float(rng.gamma(1.5, 3.0 * 24 * HOUR))  # hours to weeks, a long tail
        entered = now - age
        waiting_for_changes = rng.random() < 0.15
        index = None if waiting_for_changes else int(rng.integers(len(stages)))
        state = "changes_requested" if waiting_for_changes else "in_review"
        submitted = entered - (float(rng.uniform(1, 48)) * HOUR if index != 0 else 0.0)
        brief_id = team.brief(state, stages, index, 1, submitted - 60, entered)
        team.move(brief_id, "create", None, "draft", None, 1, submitted - 60)
        team.move(brief_id, "submit", "draft", "in_review", stages[0], 1, submitted)
        for step in range(index or 0):  # earlier stages approved, the last one as it entered
            at = submitted + (entered - submitted) * (step + 1) / index  # type: ignore[operator]
            team.move(brief_id, "approve", "in_review", "in_review", stages[step], 1, at)
        if waiting_for_changes:
            team.move(
                brief_id, "request_changes", "in_review", "changes_requested", stages[0], 1, entered
            )
        elif stages[index] in SLA_WALL_HOURS:  # type: ignore[index]
            stage = stages[index]  # type: ignore[index]
            for kind, share in (("reminder", 0.75), ("escalation", 1.0)):
                due = entered + share * SLA_WALL_HOURS[stage] * HOUR
                # what a tick running every 30 s would have left: sent if due over an hour ago
                team.reminder(
                    brief_id, stage, 1, kind, due, "sent" if due < now - HOUR else "pending"
                )
    while len(team.audit) < audit_rows:
        stages = GATED if rng.random() < 0.05 else STAGES
        start = now - float(rng.uniform(0, 365)) * 24 * HOUR
        brief_id = team.brief("approved", stages, None, 1, start, start)
        team.move(brief_id, "create", None, "draft", None, 1, start)
        t, rounds = start + 60, 1
        team.move(brief_id, "submit", "draft", "in_review", stages[0], rounds, t)
        while rounds < 4 and rng.random() < 0.25:  # changes requested, another round
            t += float(rng.gamma(2, 8)) * HOUR
            team.move(
                brief_id, "request_changes", "in_review", "changes_requested", stages[0], rounds, t
            )
            t += float(rng.gamma(2, 10)) * HOUR
            rounds += 1
            team.move(brief_id, "resubmit", "changes_requested", "in_review", stages[0], rounds, t)
        ending = rng.random()
        for position, stage in enumerate(stages):
            t += float(rng.gamma(1.5, 10 if stage == "brand" else 6)) * HOUR
            last = position == len(stages) - 1
            if ending < 0.04 and position == 0:
                team.move(brief_id, "reject", "in_review", "rejected", stage, rounds, t)
                break
            if 0.04 <= ending < 0.07 and position == 1:
                team.move(brief_id, "cancel", "in_review", "cancelled", stage, rounds, t)
                break
            team.move(
                brief_id,
                "approve",
                "in_review",
                "approved" if last else "in_review",
                stage,
                rounds,
                t,
            )
            team.reminder(brief_id, stage, rounds, "reminder", t - HOUR, "cancelled")
    return team


def load(url: str, team: Team) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        copies = {
            "briefs (id, title, fields, requester_id, channel_id, state, stages, stage_index, "
            "round, template_version, policy_version, created_at, updated_at, stage_entered_at, "
            "version)": team.briefs,
            "audit_events (brief_id, actor_id, action, from_state, to_state, stage, round, "
            "policy_version, at)": team.audit,
            "reminders (brief_id, stage, round, kind, sequence, due_at, status, sent_at)": team.reminders,
        }
        for target, rows in copies.items():
            with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.execute("SELECT setval('briefs_id_seq', (SELECT max(id) FROM briefs))")
        cursor.execute("ANALYZE")


# -- the timings -------------------------------------------------------------------------------


def timed(repeat: int, run: Callable[[], object]) -> tuple[list[float], object]:
    result, seconds = None, []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--open", type=int, default=100_000, help="open briefs")
    parser.add_argument("--audit-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    policy = load_policy(PACKAGE_POLICY)

    with scratch_database(args.postgres_url) as url:
        migrate(url)
        started = time.perf_counter()
        team = build_team(args.open, args.audit_rows)
        generated = time.perf_counter() - started
        load(url, team)
        loaded = time.perf_counter() - started - generated
        print(
            f"generated {len(team.briefs):,} briefs ({args.open:,} open), "
            f"{len(team.audit):,} audit rows, {len(team.reminders):,} reminders in "
            f"{generated:.1f} s; loaded (COPY + ANALYZE) in {loaded:.1f} s"
        )
        db = Database(url)

        def claim() -> int:
            with db.session() as session:
                due = reminders.claim_due(session, NOW, limit=200, skip_locked=True)
                session.rollback()  # measured, not sent
                return len(due)

        def channel_digest() -> str | None:
            with db.transaction() as session:
                return digest.channel_digest_text(session, policy, NOW)

        def stats() -> list[str]:
            with db.transaction() as session:
                return flow.stats_lines(session, policy, since=NOW - timedelta(days=90), now=NOW)

        with db.transaction() as session:
            metrics = flow.compute(session, policy, since=NOW - timedelta(days=90), now=NOW)
        results = {
            "reminder claim": timed(args.repeat, claim),
            "channel digest": timed(args.repeat, channel_digest),
            "/mops stats 90d": timed(args.repeat, stats),
            "weekly chart (render)": timed(
                args.repeat,
                lambda: charts.cycle_time_chart_png(metrics, flow.labels(policy, metrics)),
            ),
        }
        db.dispose()

    print(
        f"\nclaimed {results['reminder claim'][1]} due reminders (limit 200); "
        f"digest {len(results['channel digest'][1] or ''):,} characters; "
        f"chart {len(results['weekly chart (render)'][1]):,} bytes"
    )  # type: ignore[arg-type]
    print("\n".join(results["/mops stats 90d"][1]))  # type: ignore[arg-type]
    print(f"\n{'measure':24} {'p50':>9} {'max':>9} {'target':>9}  verdict")
    for name, (seconds, _) in results.items():
        target = TARGETS.get(name)
        verdict = "-" if target is None else ("ok" if max(seconds) < target else "MISSED")
        shown = f"{target * 1000:7.0f}ms" if target else f"{'-':>9}"
        print(
            f"{name:24} {statistics.median(seconds) * 1000:7.1f}ms {max(seconds) * 1000:7.1f}ms "
            f"{shown}  {verdict}"
        )


if __name__ == "__main__":
    main()
