"""Sustained deliveries: many people filing briefs at once against one or two bot processes
(no faults), for the benchmark's deliveries per second and p99 ack.

Each person opens `/brief new` and submits the form, again and again, for the measured time
(two deliveries per brief, each a real transaction with its outbox rows); the acks are timed
from Slack's side. The outbox rows delivered meanwhile are counted too (all in one channel, at
Slack's pace there: about one a second).
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func, select

from bot.emulator import SlackDriver, SlackEmulator
from bot.emulator.seed import DEFAULT_SEED, Seed, User
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.storage.database import Database
from tests.soak.bots import ROOT, BotEnvironment, running_bots
from tests.soak.deliveries import DeliveryStats, Instances, RedeliveringSender
from tests.soak.runs import scratch_database


@dataclass
class Throughput:
    instances: int
    backend: str
    deliveries: int
    seconds: float
    p50_ack: float
    p99_ack: float
    redeliveries: int
    outbox_rows: int
    outbox_seconds: float

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds

    @property
    def outbox_per_second(self) -> float:
        return self.outbox_rows / self.outbox_seconds if self.outbox_seconds else 0.0


def crowd_seed(people: int) -> Seed:
    crowd = tuple(
        User(id=f"U8{n:05d}", name=f"filer{n}", real_name=f"Filer {n}", tz="America/New_York")
        for n in range(people)
    )
    channels = tuple(
        replace(c, members=(*c.members, *(u.id for u in crowd))) if c.name == "marketing" else c
        for c in DEFAULT_SEED.channels
    )
    return replace(DEFAULT_SEED, users=DEFAULT_SEED.users + crowd, channels=channels)


def percentile(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else (values or [0.0])[0]
    )


def sustained(
    folder: Path,
    model_dir: Path,
    *,
    instances: int,
    postgres_url: str | None,
    seconds: float = 20.0,
    people: int = 8,
) -> Throughput:
    folder.mkdir(parents=True, exist_ok=True)
    seed = crowd_seed(people)
    stats = DeliveryStats()
    with scratch_database(folder, postgres_url) as url, SlackEmulator(seed) as emulator:
        environment = BotEnvironment.against(
            emulator,
            database_url=url,
            policy_file=ROOT / "policies" / "default.yaml",
            model_dir=model_dir,
            folder=folder,
        )
        with running_bots(environment, instances) as bots:
            balancer = Instances([bot.url for bot in bots])
            deadline = time.monotonic() + seconds
            started = time.monotonic()
            threads = [
                threading.Thread(
                    target=_file_briefs,
                    args=(
                        emulator,
                        balancer,
                        environment.signing_secret,
                        stats,
                        user.name,
                        deadline,
                    ),
                )
                for user in seed.users[len(DEFAULT_SEED.users) :]
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            db = Database(url)
            try:
                rows, drained = _delivered(db), time.monotonic() - started
            finally:
                db.dispose()
    return Throughput(
        instances=instances,
        backend="postgresql" if postgres_url else "sqlite",
        deliveries=stats.sent,
        seconds=elapsed,
        p50_ack=percentile(stats.acks, 50),
        p99_ack=percentile(stats.acks, 99),
        redeliveries=stats.redeliveries,
        outbox_rows=rows,
        outbox_seconds=drained,
    )


def _file_briefs(
    emulator: SlackEmulator,
    balancer: Instances,
    secret: str,
    stats: DeliveryStats,
    user: str,
    deadline: float,
) -> None:
    driver = SlackDriver(balancer.next(), secret, emulator)
    driver.sender = RedeliveringSender(balancer, secret, stats)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        driver.command("/brief new", user, "marketing")
        if emulator.current_view(user) is None:
            continue
        driver.submit_view(
            user,
            {
                "title": f"{user} brief {n}",
                "objective": "Grow trial sign-ups from the spring campaign",
                "audience": "SMB marketing leads",
                "channel_mix": "Email",
                "launch_date": "2027-03-01",
            },
        )


def _delivered(db: Database) -> int:
    """Outbox rows delivered so far. Not waited for to the end: every brief posts in one channel,
    and the bot keeps to Slack's pace there (about one message a second, bot.slack.lanes), so
    draining a 20-second wave takes minutes by design."""
    with db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.DELIVERED)
            )
            or 0
        )
