"""Shared fixtures: a migrated database per backend; the bot's log lines into pytest's log file.

Every test that asks for `db` runs on SQLite, and again on PostgreSQL when
MOPSBOT_TEST_POSTGRES_URL is set. A server that cannot be reached is an error, not a skip.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app.tables import Base
from bot.app.wiring import wire
from bot.storage.database import Database, migrate
from tests.support.intake import TAXONOMY
from tests.support.logs import logging_restored, route_structlog_to_logging

POSTGRES_URL = os.environ.get("MOPSBOT_TEST_POSTGRES_URL")
# Never fine-tune the lint's encoder in the background on a cold cache, whatever the shipped rules
# say: every test process would start minutes of tuning. test_compliance_tuning turns it on.
os.environ.setdefault("MOPSBOT_LINT_TUNING", "off")

# Property tests (hypothesis) of the bot's entry points. Each test runs its examples against one
# running bot (a function-scoped fixture, on purpose: every example checks that it stored
# nothing, so they can share it). "ci": few examples, the same ones every run, no deadline (a
# request to a real bot takes what it takes); HYPOTHESIS_PROFILE=long explores for real.
_SHARED_BOT = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile(
    "ci",
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_SHARED_BOT,
)
settings.register_profile(
    "long", max_examples=300, deadline=None, suppress_health_check=_SHARED_BOT
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.hookimpl(trylast=True)  # after pytest's logging plugin is registered
def pytest_configure(config: pytest.Config) -> None:
    route_structlog_to_logging()
    # Under pytest-xdist (`make test` runs two or more processes) each worker keeps its own log
    # file, var/test-gw0.log, ...: several writers of one file would interleave and truncate it.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    logging_plugin = config.pluginmanager.get_plugin("logging-plugin")
    if worker and logging_plugin is not None:
        logging_plugin.set_log_path(f"var/test-{worker}.log")


def pytest_runtest_logstart(nodeid: str) -> None:
    logging.getLogger("tests").info("---- %s", nodeid)  # where each test starts, in the log file


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with logging_restored():  # a test running the CLI's main() reconfigures logging
        return (yield)


@pytest.fixture(scope="session", autouse=True)
def wired() -> None:
    """Services called without a runtime react across domains as in the running bot."""
    wire()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'mopsbot.db'}"
        migrate(url)
        yield url
        return
    assert POSTGRES_URL
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"mopsbot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:  # raises if the server is unreachable: CI must not skip
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A clean, migrated database for one test."""
    database = Database(database_url)
    _empty_all_tables(database)
    yield database
    database.dispose()


def _empty_all_tables(database: Database) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as connection:
        if database.is_postgres:
            # Only the tables the last test wrote to, and the sequences it moved: a TRUNCATE of
            # all of them took 0.1-0.8 s per test (PostgreSQL gives each table new files).
            written = connection.scalars(
                text(
                    " UNION ALL ".join(
                        f"SELECT '{table}' WHERE EXISTS (SELECT FROM {table})" for table in tables
                    )
                )
            ).all()
            if written:
                connection.execute(text(f"TRUNCATE {', '.join(written)} CASCADE"))
            moved = connection.execute(
                text(
                    "SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL"
                )
            ).all()
            for schema, sequence in moved:
                connection.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            if connection.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
            ).first():
                connection.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default intake model, trained once per session from the shipped taxonomy (the
    end-to-end tests and the soak's bot processes share it)."""
    from bot.intake.classifier import train_from_policy

    directory = tmp_path_factory.mktemp("intake") / "model"
    train_from_policy(TAXONOMY, directory, progress=False)
    return directory
