"""The real bot over HTTP, against the emulator, on each database backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.emulator.conversation import Slack
from bot.storage.database import Database


@pytest.fixture
def local(db: Database) -> Iterator[LocalBot]:
    settings = Settings(database_url=db.url)
    with local_bot(settings, migrate_first=False) as running:
        yield running


@pytest.fixture
def slack(local: LocalBot) -> Slack:
    return local.slack
