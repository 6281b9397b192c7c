"""A wave of reminders and digests to 2,000 people and 50 channels, against Slack's pace.

The real bot runs against the emulator with Slack's rate limits on (tiers per method, about one
chat.postMessage a second per channel, 429 + Retry-After) and a round trip of `--network-ms` on
every Web API call. One brief waits on @brand-team (2,000 people): its reminder is due, and every
digest is due (50 channel digests, a personal "waiting on you" DM to each of the 2,000). While
the wave drains, a person clicks Approve on a brief they may not decide, once every
`--click-every` seconds, and the time until their answer (an ephemeral) shows is measured.

Prints: the 429s the bot received (target: none after the first Retry-After of each lane), the
time from the ticks to the last message delivered, and p50/p99/max of the click answers (target:
p99 < 2 s).

    .venv/bin/python benchmarks/fanout.py [--people 2000] [--channels 50] [--network-ms 150]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import yaml
from sqlalchemy import func, or_, select, update

from bot.app.config import Settings
from bot.app.local import local_bot
from bot.app.runtime import Runtime
from bot.briefs import service
from bot.briefs.examples import example_values
from bot.core.logs import configure_logging
from bot.digests import service as digests
from bot.emulator import SlackEmulator
from bot.emulator.limits import NetworkDelay, RateLimits
from bot.emulator.seed import DEFAULT_SEED, Channel, Seed, User, UserGroup
from bot.sla import reminders
from bot.sla.models import Reminder
from bot.slack.models import OutboxMessage, OutboxStatus

POLICIES = Path(__file__).resolve().parent.parent / "policies"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def next_wednesday_noon() -> timedelta:
    """How far the bot's clock runs ahead of the wall clock: to a Wednesday at 12:00 UTC, a
    working day at midday for everyone (UTC), so no digest waits for a weekday and no DM for
    the morning. The clock still moves, so Retry-After and the pace work as they would."""
    now = datetime.now(UTC)
    days = (2 - now.weekday()) % 7 or 7
    target = (now + timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0)
    return target - now


def big_seed(people: int, channels: int) -> Seed:
    zone = "UTC"
    crowd = tuple(
        User(id=f"U9{n:05d}", name=f"person{n}", real_name=f"Person {n}", tz=zone)
        for n in range(people)
    )
    rooms = tuple(  # digest channels the bot was invited to, as the README asks
        Channel(id=f"C9{n:04d}", name=f"team-{n}", members=(DEFAULT_SEED.bot.id,))
        for n in range(channels)
    )
    groups = tuple(
        UserGroup(g.id, g.handle, g.name, (*g.users, *(u.id for u in crowd)))
        if g.handle == "brand-team"
        else g
        for g in DEFAULT_SEED.usergroups
    )
    return Seed(
        team=DEFAULT_SEED.team,
        bot=DEFAULT_SEED.bot,
        app_id=DEFAULT_SEED.app_id,
        users=DEFAULT_SEED.users + crowd,
        channels=DEFAULT_SEED.channels + rooms,
        usergroups=groups,
    )


def wave_policy(folder: Path, seed: Seed) -> Path:
    """The default policy, with every digest due now: one per team channel, at 00:00 UTC."""
    shutil.copytree(POLICIES, folder / "policies")
    path = folder / "policies" / "default.yaml"
    policy = yaml.safe_load(path.read_text())
    today = DAYS[(datetime.now(UTC) + next_wednesday_noon()).weekday()]
    policy["digests"] = {
        "channels": [
            {"channel": c.id, "time": "00:00", "timezone": "UTC"}
            for c in seed.channels
            if c.name.startswith("team-")
        ],
        "user_default_time": "00:00",
        "weekly_chart_day": next(d for d in DAYS if d != today),  # no charts in this wave
    }
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--network-ms", type=float, default=150)
    parser.add_argument("--click-every", type=float, default=0.25)
    args = parser.parse_args()
    configure_logging("WARNING")
    seed = big_seed(args.people, args.channels)
    delay = args.network_ms / 1000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings(
            database_url=f"sqlite:///{folder / 'fanout.db'}",
            policy_file=wave_policy(folder, seed),
        )
        limits = RateLimits()
        ahead = next_wednesday_noon()
        with local_bot(
            settings,
            clock=lambda: datetime.now(UTC) + ahead,
            limits=limits,
            network=NetworkDelay(delay, delay),
            seed=seed,
            schedule=False,  # the ticks run when this script says
        ) as local:
            runtime, emulator, slack = local.runtime, local.emulator, local.slack
            runtime.directory.refresh()
            runtime.directory.refresh_people()
            with runtime.db.transaction() as session:
                brief_id = service.create(
                    session,
                    runtime.policy,
                    requester_id="U01RITA",
                    channel_id="C01MKTG",
                    values=example_values(runtime.policy.workflows.brief.template),
                    now=runtime.clock(),
                    delivery_key=None,
                ).brief_id
            with runtime.db.transaction() as session:  # everyone asked for the daily digest
                for user in seed.users:
                    digests.set_preference(session, user.id, enabled=True)
            parent = slack.wait_for_message(lambda m: m.text.startswith("Brief #"), timeout=30)
            with runtime.db.transaction() as session:  # its first reminder is due
                session.execute(
                    update(Reminder)
                    .where(Reminder.brief_id == brief_id, Reminder.kind == "reminder")
                    .values(due_at=runtime.clock() - timedelta(minutes=1))
                )
            calls_before = len(emulator.calls)

            started = time.perf_counter()
            ticks_done = threading.Event()
            tick_seconds = 0.0

            def ticks() -> None:
                nonlocal tick_seconds
                now = runtime.clock()
                reminders.tick(runtime.db, runtime.policy, runtime.directory, now)
                digests.tick(runtime.db, runtime.policy, runtime.directory, now)
                tick_seconds = time.perf_counter() - started
                ticks_done.set()

            threading.Thread(target=ticks, name="wave-ticks", daemon=True).start()
            answers: list[float] = []
            while not (ticks_done.is_set() and pending(runtime) == 0):
                seen = len(emulator.ephemerals("U05SAM"))
                clicked = time.perf_counter()
                slack.click("Approve", as_user="sam", message=parent)
                emulator.wait_for(partial(answered, emulator, seen), 60, "sam's answer")
                answers.append(time.perf_counter() - clicked)
                time.sleep(args.click_every)
            drained = time.perf_counter() - started
            calls = emulator.calls[calls_before:]
            delivered = sum(1 for c in calls if c.ok)
            limited = [c for c in calls if c.error == "ratelimited"]
            per_lane = Counter(lane(c.method, c.args.get("channel")) for c in limited)
            posted = Counter(c.method for c in calls if c.ok)
    print(
        f"fan-out: {args.people:,} people, {args.channels} digest channels, "
        f"{args.network_ms:g} ms per Web API call, Slack's rate limits on (emulator)"
    )
    print(
        f"calls delivered: {delivered:,} ({', '.join(f'{m} {n:,}' for m, n in posted.most_common())})"
    )
    print(
        f"429s received: {len(limited)} in {len(per_lane)} lanes; "
        f"after the first Retry-After of a lane: {sum(n - 1 for n in per_lane.values())} "
        "(target 0)"
    )
    print(
        f"time to drain the wave: {drained:.1f} s from the ticks' start "
        f"(the ticks themselves, writing the rows: {tick_seconds:.1f} s)"
    )
    print(
        f"click answers while it drained: {len(answers)}, p50 {percentile(answers, 50):.2f} s, "
        f"p99 {percentile(answers, 99):.2f} s, max {max(answers):.2f} s (target p99 < 2 s)"
    )


def answered(emulator: SlackEmulator, seen: int) -> bool:
    return len(emulator.ephemerals("U05SAM")) > seen


def lane(method: str, channel: object) -> str:
    return f"{method}:{channel}" if method == "chat.postMessage" else method


def pending(runtime: Runtime) -> int:
    """Rows still to send now (a DM held for someone's quiet hours is not part of the wave)."""
    with runtime.db.read() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    or_(
                        OutboxMessage.not_before.is_(None),
                        OutboxMessage.not_before <= runtime.clock(),
                    ),
                )
            )
            or 0
        )


if __name__ == "__main__":
    main()
