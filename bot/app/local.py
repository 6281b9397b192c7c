"""Run the real bot against the built-in Slack emulator: the local shell, tests and benchmarks.

Nothing here bypasses Slack's protocol: the bot serves signed HTTP requests from the emulator's
driver and calls the emulator's Web API exactly as it would call Slack's.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pydantic import SecretStr

from bot.app import bolt
from bot.app.config import Settings
from bot.app.push import push_app
from bot.app.readiness import readiness_app
from bot.app.runtime import Runtime
from bot.app.scrape import metrics_app
from bot.app.serving import HttpServer
from bot.core.clock import Clock, utcnow
from bot.emulator import SlackDriver, SlackEmulator
from bot.emulator.conversation import Slack
from bot.emulator.faults import FaultPlan
from bot.emulator.limits import NetworkDelay, RateLimits
from bot.emulator.seed import DEFAULT_SEED, Seed
from bot.storage.database import migrate

SHELL_NETWORK = NetworkDelay(0.05, 0.15)


@dataclass
class LocalBot:
    emulator: SlackEmulator
    runtime: Runtime
    server: HttpServer
    driver: SlackDriver
    slack: Slack


@contextmanager
def local_bot(
    settings: Settings,
    *,
    clock: Clock = utcnow,
    background: bool = True,
    migrate_first: bool = True,
    schedule: bool = True,
    limits: RateLimits | None = None,
    network: NetworkDelay | None = None,
    seed: Seed = DEFAULT_SEED,
    faults: FaultPlan | None = None,
) -> Iterator[LocalBot]:
    """The emulator, the bot wired to it and served over HTTP, and a driver to talk to it.
    `limits` and `network` make the emulator keep Slack's pace (off in most tests); `faults`
    makes it fail calls at random (bot.emulator.faults)."""
    emulator = SlackEmulator(seed, limits=limits, network=network, faults=faults)
    emulator.start()
    secret = secrets.token_hex(16)
    bot_settings = settings.model_copy(
        update={
            "slack_api_url": emulator.api_url,
            "slack_bot_token": SecretStr(emulator.bot_token),
            "slack_signing_secret": SecretStr(secret),
            "slack_app_token": None,
        }
    )
    if migrate_first:
        migrate(bot_settings.database_url)
    # Against an emulator that keeps Slack's pace the bot keeps it too; against one that does
    # not (most tests), pacing would only make the tests wait.
    runtime, app = bolt.build(bot_settings, clock=clock, paced=limits is not None)
    if background:
        runtime.start_background(schedule=schedule)
    server = HttpServer(
        app,
        host="127.0.0.1",
        port=0,
        stop_within=0.05,
        push=push_app(runtime),
        ready=readiness_app(runtime),
        metrics=metrics_app(runtime),
        signing_secret=secret,
    ).start()
    driver = SlackDriver(server.url, secret, emulator)
    try:
        yield LocalBot(emulator, runtime, server, driver, Slack(emulator, driver))
    finally:
        server.stop()
        runtime.stop(within=30)  # a test's teardown waits for what runs, as it always did
        emulator.stop()


def run_local_shell(settings: Settings) -> int:
    from bot.compliance import cache_files
    from bot.compliance import layers as compliance_layers
    from bot.compliance.service import rules_for
    from bot.emulator.shell import run_shell

    # Slack's rate limits and a short round trip, as a person would meet them.
    with local_bot(settings, limits=RateLimits(), network=SHELL_NETWORK) as local:
        local.runtime.intake_models().warm_up()
        warm_up = compliance_layers.warm_up(lambda: rules_for(local.runtime.policy))
        cache_files.tidy_after(warm_up, lambda: rules_for(local.runtime.policy))
        secret = local.runtime.settings.slack_signing_secret
        assert secret is not None  # local_bot always makes one
        return (
            run_shell(
                local.server.url,
                secret.get_secret_value(),
                local.emulator,
                stdin=sys.stdin,
                stdout=sys.stdout,
            )
            or 0
        )
