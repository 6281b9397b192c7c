"""One soak run: a fresh database, the emulator, one or two bot processes, the scripted load,
SIGKILLs at seeded moments (each killed instance started again at once, as a supervisor does),
Slack's bad weather throughout (the emulator's seeded FaultPlan: 429s, 5xx, posts answered too
late), optionally PostgreSQL crashed and restarted (`pg_ctl -m immediate`, a throwaway cluster
of the run's own), then a quiet end and the invariant checker.

The bot's clock is set ahead (MOPSBOT_TEST_CLOCK_OFFSET) to a working Wednesday morning in the
team's zone, a little before the minute the run's digests are due; stage SLAs are seconds long
so reminders, escalations and repeats fall due while a brief waits; the scheduler ticks every
second (MOPSBOT_TICK_SECONDS).
"""

from __future__ import annotations

import random
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.emulator import SlackEmulator
from bot.emulator.faults import FaultKind, FaultPlan
from bot.sla.models import Reminder, ReminderStatus
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.storage.database import Database
from bot.tasks.models import Task, TaskStatus
from tests.soak.bots import ROOT, BotEnvironment, BotProcess, running_bots
from tests.soak.deliveries import DeliveryStats, Instances
from tests.soak.invariants import Verdict, check
from tests.soak.load import Ledger, TeamLoad
from tests.support.postgres import Cluster

TEAM_ZONE = ZoneInfo("America/New_York")
# Each person's own zone (the emulator's seed), for their digest minute.
ZONES = {"bram": ZoneInfo("Europe/Amsterdam"), "lena": ZoneInfo("Europe/London")}
SLA = "0.006 business hours"  # 21.6 s: the reminder at 16 s, the escalation at 22 s
STARTUP_GUESS = 12.0  # seconds from spawning the bots to the load starting (for the clock)
DIGEST_LEAD = 25.0  # the run's digests fall due this long after the load starts
QUIET_FOR = 3.0
SETTLE_TIMEOUT = 180.0
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Under faults the bot gives up on a Web API call after SLACK_TIMEOUT; a late answer comes after
# LATE_BY, so the bot sees a timeout for a post Slack made (the ambiguous case).
SLACK_TIMEOUT = 2.0
LATE_BY = 3.0


@dataclass(frozen=True)
class SlackWeather:
    """Rates per call of the bot's writes (bot.emulator.faults): 429 `ratelimited`, a 5xx page,
    and a call made but answered after the bot gave up."""

    ratelimited: float = 0.05
    server_error: float = 0.03
    timeout_after_accept: float = 0.03

    bursts: bool = True  # one burst of each kind at a seeded moment, whatever the draws

    def plan(self, seed: int) -> FaultPlan | None:
        if not (self.ratelimited or self.server_error or self.timeout_after_accept or self.bursts):
            return None
        return FaultPlan(
            ratelimited=self.ratelimited,
            server_error=self.server_error,
            timeout_after_accept=self.timeout_after_accept,
            seed=seed,
            late_by=LATE_BY,
        )


CALM = SlackWeather(0.0, 0.0, 0.0, bursts=False)
# A burst: this many of the bot's writes in a row meet the kind.
BURSTS = {FaultKind.RATELIMITED: 3, FaultKind.SERVER_ERROR: 2, FaultKind.TIMEOUT_AFTER_ACCEPT: 1}


@dataclass
class Kill:
    at: float  # seconds after the load started
    instance: int
    pause: float  # seconds dead before the supervisor starts it again
    done_at: float | None = None
    ready_after: float | None = None  # restart -> /readyz 200
    first_delivery_after: float | None = None  # restart -> first outbox call Slack answered ok


@dataclass
class Restart:
    at: float  # seconds after the load started
    done_at: float | None = None
    down_for: float | None = None  # pg_ctl restart -m immediate, until it accepts connections


@dataclass
class RunReport:
    seed: int
    instances: int
    backend: str
    kills: list[Kill]
    stats: DeliveryStats
    ledger: Ledger
    verdict: Verdict
    seconds: float
    faults: dict[str, int] = field(default_factory=dict)
    load_seconds: float = 0.0
    restarts: list[Restart] = field(default_factory=list)
    exits: int = 0  # instances that exited by themselves and were started again

    @property
    def ok(self) -> bool:
        return self.verdict.ok


def working_morning(after: datetime) -> datetime:
    """The next Wednesday (or later weekday, skipping US holidays) at 10:00 in the team's zone."""
    day = after.astimezone(TEAM_ZONE).date() + timedelta(days=1)
    us = holidays.country_holidays("US")
    while day.weekday() != 2 or day in us:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=TEAM_ZONE)


def soak_policy(folder: Path, digest_at: datetime) -> Path:
    """The shipped policy with stage SLAs of seconds and the channel digest at `digest_at` (a
    guess at the load's first minute: the bots' start takes 10 s to 2 minutes on a busy machine;
    the personal digests are set once the load runs, at a minute it is sure to see)."""
    shutil.copytree(
        ROOT / "policies", folder / "policies", ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    path = folder / "policies" / "default.yaml"
    policy = yaml.safe_load(path.read_text())
    for stage in policy["workflows"]["brief"]["stages"]:
        stage["sla"] = SLA
    policy["reminders"]["repeat_every"] = SLA
    # Quiet hours nobody is in during the run (they are per person, in their own zone).
    policy["reminders"]["quiet_hours"] = {"start": "03:00", "end": "03:01"}
    local = digest_at.astimezone(TEAM_ZONE)
    today = DAYS[local.weekday()]
    policy["digests"] = {
        "channels": [
            {"channel": "C01MKTG", "time": local.strftime("%H:%M"), "timezone": str(TEAM_ZONE)}
        ],
        "user_default_time": "09:00",
        "weekly_chart_day": next(d for d in DAYS if d != today),  # no chart upload in a run
    }
    policy["goals"] = []  # no weekly goals post either
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path


@contextmanager
def scratch_database(folder: Path, postgres_url: str | None) -> Iterator[str]:
    """A SQLite file in the run's folder, or a database of its own on the PostgreSQL server
    (created here and dropped after)."""
    if postgres_url is None:
        yield f"sqlite:///{folder / 'soak.db'}"
        return
    # No pool: a run may restart the server, and a pooled connection would die with it.
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"mopsbot_soak_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def plan_kills(rng: random.Random, count: int, instances: int, window: float) -> list[Kill]:
    return sorted(
        (
            Kill(
                at=rng.uniform(1.0, window),
                instance=rng.randrange(instances),
                pause=rng.uniform(0, 1.5),
            )
            for _ in range(count)
        ),
        key=lambda k: k.at,
    )


def plan_bursts(rng: random.Random, window: float) -> list[tuple[float, FaultKind]]:
    return sorted((rng.uniform(1.0, window), kind) for kind in BURSTS)


def plan_restarts(rng: random.Random, count: int, window: float) -> list[Restart]:
    return sorted((Restart(at=rng.uniform(1.0, window)) for _ in range(count)), key=lambda r: r.at)


def soak_run(
    seed: int,
    folder: Path,
    model_dir: Path,
    *,
    kills: int = 2,
    instances: int = 1,
    postgres_url: str | None = None,
    briefs: int = 6,
    intake: int = 4,
    kill_window: float = 30.0,
    weather: SlackWeather = SlackWeather(),
    cluster: Cluster | None = None,
    restarts: int = 0,
) -> RunReport:
    """`postgres_url`: a server where the run's database is created (else SQLite); `cluster`:
    the throwaway cluster behind it, restarted `restarts` times in the kill window."""
    if restarts and cluster is None:
        raise ValueError("database restarts need a throwaway cluster, never a shared server")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    wall = datetime.now(UTC)
    digest_at = working_morning(wall).replace(minute=1)
    # The bot's clock reads digest_at - DIGEST_LEAD when the load starts.
    offset = (digest_at - timedelta(seconds=DIGEST_LEAD + STARTUP_GUESS) - wall).total_seconds()
    policy = soak_policy(folder, digest_at)
    schedule = plan_kills(rng, kills, instances, kill_window)
    crashes = plan_restarts(rng, restarts, kill_window)
    stats = DeliveryStats()
    plan = weather.plan(seed)
    bursts = plan_bursts(rng, kill_window) if plan is not None and weather.bursts else []
    with (
        scratch_database(folder, postgres_url) as url,
        SlackEmulator(faults=plan) as emulator,
    ):
        environment = BotEnvironment.against(
            emulator,
            database_url=url,
            policy_file=policy,
            model_dir=model_dir,
            folder=folder,
            clock_offset=offset,
            slack_timeout=SLACK_TIMEOUT if plan is not None else 15.0,
        )
        with running_bots(environment, instances) as bots:
            load = TeamLoad(
                emulator,
                Instances([bot.url for bot in bots]),
                environment.signing_secret,
                stats,
                seed,
                briefs=briefs,
                intake=intake,
                tag=str(seed),
                digest_zones=ZONES,
                clock_offset=offset,
            )
            load_started = time.monotonic()
            killer = threading.Thread(
                target=_kill_on_schedule,
                args=(bots, schedule, load_started, emulator),
                name="killer",
                daemon=True,
            )
            killer.start()
            crasher = threading.Thread(
                target=_restart_on_schedule,
                args=(cluster, crashes, load_started),
                name="crasher",
                daemon=True,
            )
            crasher.start()
            storm = threading.Thread(
                target=_bursts_on_schedule,
                args=(plan, bursts, load_started),
                name="storm",
                daemon=True,
            )
            storm.start()
            supervising = threading.Event()
            supervisor = threading.Thread(
                target=_supervise, args=(bots, supervising), name="supervisor", daemon=True
            )
            supervisor.start()
            ledger = load.run()
            load_seconds = time.monotonic() - load_started
            killer.join()
            crasher.join()
            storm.join()
            db = Database(url)
            try:
                _until_digests_due(max(digest_at, load.digest_at), offset)
                _settle(db, offset)
                supervising.set()
                supervisor.join()
                for bot in bots:
                    bot.stop()
                verdict = check(db, emulator, ledger)
            finally:
                db.dispose()
    injected = plan.injected if plan is not None else {}
    return RunReport(
        seed=seed,
        instances=instances,
        backend="postgresql" if postgres_url else "sqlite",
        kills=schedule,
        stats=stats,
        ledger=ledger,
        verdict=verdict,
        seconds=time.monotonic() - started,
        load_seconds=load_seconds,
        restarts=crashes,
        exits=sum(bot.exits for bot in bots),
        faults={
            "kills": sum(bot.kills for bot in bots),  # the final stop is a graceful SIGTERM
            "429s": injected.get(FaultKind.RATELIMITED, 0),
            "5xx": injected.get(FaultKind.SERVER_ERROR, 0),
            "ambiguous timeouts": injected.get(FaultKind.TIMEOUT_AFTER_ACCEPT, 0),
            "database restarts": sum(1 for r in crashes if r.done_at is not None),
        },
    )


def _bursts_on_schedule(
    plan: FaultPlan | None, bursts: list[tuple[float, FaultKind]], load_started: float
) -> None:
    for at, kind in bursts:
        assert plan is not None
        time.sleep(max(0.0, load_started + at - time.monotonic()))
        plan.burst(kind, BURSTS[kind])


def _restart_on_schedule(
    cluster: Cluster | None, schedule: list[Restart], load_started: float
) -> None:
    """PostgreSQL crashed and started again at each moment, whatever the bots are doing:
    every connection is cut, uncommitted work is gone, committed work comes back from the WAL."""
    for restart in schedule:
        assert cluster is not None
        time.sleep(max(0.0, load_started + restart.at - time.monotonic()))
        began = time.monotonic()
        cluster.restart_now()
        restart.down_for = time.monotonic() - began
        restart.done_at = began - load_started


def _kill_on_schedule(
    bots: list[BotProcess], schedule: list[Kill], load_started: float, emulator: SlackEmulator
) -> None:
    """Each kill at its moment, whatever the instance is doing then (serving, or still starting
    after the previous kill); the supervisor starts it again after the pause. How long each
    restart takes to be ready and to deliver is watched beside it."""
    watchers = []
    for kill in schedule:
        time.sleep(max(0.0, load_started + kill.at - time.monotonic()))
        bot = bots[kill.instance]
        with bot.lock:
            bot.kill()
            bot.held = True
        kill.done_at = time.monotonic() - load_started
        time.sleep(kill.pause)
        restarted_wall = time.time()
        with bot.lock:
            bot.held = False
            bot.start()
        watcher = threading.Thread(
            target=_watch_recovery, args=(kill, bot, bot.starts, restarted_wall, emulator)
        )
        watcher.start()
        watchers.append(watcher)
    for watcher in watchers:
        watcher.join()


def _supervise(bots: list[BotProcess], until: threading.Event) -> None:
    """What compose's `restart:` does: an instance that exited by itself (one started while
    PostgreSQL was restarting stops with an error, as `mopsbot run` does when it can't migrate)
    is started again."""
    while not until.wait(0.5):
        for bot in bots:
            with bot.lock:
                if not bot.held and bot.process is not None and not bot.alive():
                    bot.exits += 1
                    bot.start()


def _watch_recovery(
    kill: Kill, bot: BotProcess, start: int, restarted_wall: float, emulator: SlackEmulator
) -> None:
    try:
        ready = bot.wait_ready()
    except (TimeoutError, RuntimeError):
        return  # killed again while starting: that start never became ready
    if bot.starts != start:
        return
    kill.ready_after = ready
    kill.first_delivery_after = _first_delivery_after(emulator, restarted_wall, bot)


def _first_delivery_after(emulator: SlackEmulator, since: float, bot: BotProcess) -> float | None:
    """Seconds from the restart to the first post Slack accepted after it (an outbox row
    delivered), waiting up to 30 s for one."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for call in emulator.calls:
            if call.at > since and call.ok and call.method in ("chat.postMessage", "chat.update"):
                return call.at - since
        time.sleep(0.05)
    return None


def _bot_now(offset: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=offset)


def _until_digests_due(digest_at: datetime, offset: float) -> None:
    wait = (digest_at + timedelta(seconds=3) - _bot_now(offset)).total_seconds()
    if wait > 0:
        time.sleep(wait)


def _settle(db: Database, offset: float) -> None:
    """Until nothing is left to do for QUIET_FOR seconds: no outbox row or task pending, no
    reminder due."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        with db.read() as session:
            busy = (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status == OutboxStatus.PENDING)
                )
                or session.scalar(
                    select(func.count()).select_from(Task).where(Task.status == TaskStatus.PENDING)
                )
                or session.scalar(
                    select(func.count())
                    .select_from(Reminder)
                    .where(
                        Reminder.status == ReminderStatus.PENDING,
                        Reminder.due_at <= _bot_now(offset),
                    )
                )
            )
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= QUIET_FOR:
            return
        time.sleep(0.2)
