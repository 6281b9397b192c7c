"""Two instances starting at once both run `mopsbot migrate` against one PostgreSQL database:
the advisory lock lets one migrate while the other waits, then finds nothing left to do."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.storage.database import alembic_config
from tests.conftest import POSTGRES_URL

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PostgreSQL (MOPSBOT_TEST_POSTGRES_URL)"
)


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """An empty database of its own, never migrated (the session's `database_url` already is)."""
    assert POSTGRES_URL
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"mopsbot_migrate_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_instances_migrating_at_once_both_succeed(
    fresh_postgres_url: str, tmp_path: Path
) -> None:
    # The worktree's code (PYTHONPATH), from an empty folder (no stray .env is read).
    env = {**os.environ, "DATABASE_URL": fresh_postgres_url, "PYTHONPATH": str(REPO)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli.main", "migrate"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(process.wait(timeout=120), *process.communicate()) for process in processes]

    for code, out, err in results:
        assert code == 0, err
        assert "database is up to date" in out

    head = ScriptDirectory.from_config(alembic_config(fresh_postgres_url)).get_current_head()
    engine = create_engine(fresh_postgres_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert [row[0] for row in versions] == [head]
