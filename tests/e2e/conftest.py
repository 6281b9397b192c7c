"""The real bot over HTTP, against the emulator, on each database backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.config import Settings
from bot.app.local import LocalBot
from bot.emulator.conversation import Slack
from bot.storage.database import Database
from tests.support.bots import running_bot
from tests.support.clock import Clock
from tests.support.compliance import warm_compliance_model


@pytest.fixture
def local(db: Database) -> Iterator[LocalBot]:
    with running_bot(Settings(database_url=db.url)) as running:
        yield running


@pytest.fixture
def slack(local: LocalBot) -> Slack:
    return local.slack


@pytest.fixture
def clock() -> Clock:
    """Now, standing still until the test moves it. A module that needs a particular day
    (a Monday morning in New York) overrides this fixture."""
    return Clock()


@pytest.fixture
def timed(db: Database, clock: Clock) -> Iterator[LocalBot]:
    """The bot on `clock`, without a scheduler: the test ticks by hand, at the times it chooses.
    (Pausing a started scheduler raced its first tick, which could run after the test had moved
    the clock; a paused one could still run its first tick late.)"""
    with running_bot(Settings(database_url=db.url), clock=clock, schedule=False) as running:
        yield running


@pytest.fixture
def bot(db: Database, model_dir: Path) -> Iterator[LocalBot]:
    """The real bot with the intake model (the slow tests)."""
    settings = Settings(database_url=db.url, intake_model_dir=model_dir)
    with running_bot(settings) as running:
        yield running


@pytest.fixture(scope="session", autouse=True)
def compliance_model_ready() -> None:
    """Trained (or read from its cache) before any test waits on a brief's compliance lint."""
    warm_compliance_model()
