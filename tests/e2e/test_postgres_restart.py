"""PostgreSQL stopped and restarted with `pg_ctl -m immediate` (a crash, as far as the clients
can tell) under the running bot: while it is down a delivery is answered 503, never acked; once
it is back the bot reconnects by itself (pool_pre_ping drops the dead connections), Slack's
retry is handled once, and nothing committed before the crash is lost.

A throwaway cluster under /tmp on a port of its own, never the shared server: the test needs
MOPSBOT_TEST_POSTGRES_URL (a PostgreSQL install to run) and PostgreSQL 15's binaries."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.slack.models import HandledDelivery, OutboxMessage, OutboxStatus
from tests.conftest import POSTGRES_URL
from tests.support.waiting import eventually

BIN = Path("/usr/lib/postgresql/15/bin")
pytestmark = pytest.mark.skipif(
    not POSTGRES_URL or not (BIN / "pg_ctl").exists() or os.geteuid() != 0,
    reason="needs MOPSBOT_TEST_POSTGRES_URL, PostgreSQL 15 and root (to run it as postgres)",
)


def _as_postgres(*command: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        check=True,
        capture_output=True,
        timeout=60,
    )


class Cluster:
    def __init__(self, root: Path, port: int) -> None:
        self.data, self.port = root / "data", port
        self.options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
        self.log = root / "server.log"

    def ctl(self, *args: str) -> None:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *args)

    def start(self) -> None:
        self.ctl("-o", self.options, "start")

    def stop_now(self) -> None:
        self.ctl("-m", "immediate", "stop")

    def restart_now(self) -> None:
        self.ctl("-m", "immediate", "-o", self.options, "restart")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/mopsbot"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="mopsbot-pg-"))
    shutil.chown(root, "postgres", "postgres")
    own = Cluster(root, _free_port())
    _as_postgres(
        str(BIN / "initdb"), "-D", str(own.data), "-A", "trust", "-U", "postgres", "--no-sync"
    )
    own.start()
    try:
        admin = create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{own.port}/postgres",
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE mopsbot"))
        admin.dispose()
        yield own
    finally:
        try:
            own.stop_now()
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def bot(cluster: Cluster) -> Iterator[LocalBot]:
    with local_bot(Settings(database_url=cluster.url), schedule=False) as running:
        yield running


def _home(user: str, event_ts: str) -> dict:
    return {"type": "app_home_opened", "user": user, "tab": "home", "event_ts": event_ts}


def _rows(local: LocalBot) -> tuple[int, int]:
    with local.runtime.db.read() as session:
        handled = session.scalar(select(func.count()).select_from(HandledDelivery)) or 0
        delivered = (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.DELIVERED)
            )
            or 0
        )
    return handled, delivered


def test_a_crashed_server_is_never_acked_and_the_bot_reconnects(
    bot: LocalBot, cluster: Cluster
) -> None:
    assert bot.driver.event(_home("U02BRAM", "1.0"), event_id="Ev0BEFORE").status == 200
    eventually(lambda: _rows(bot) == (1, 1), "bram's home published")

    cluster.stop_now()
    try:
        down = bot.driver.event(_home("U05SAM", "2.0"), event_id="Ev0DOWN")
        assert down.status == 503  # nothing stored: not acked, Slack retries
    finally:
        cluster.start()
    assert _rows(bot) == (1, 1)  # what was committed before the crash is there
    again = bot.driver.event(_home("U05SAM", "2.0"), event_id="Ev0DOWN", retry_num=1)
    assert again.status == 200
    eventually(lambda: _rows(bot) == (2, 2), "sam's home published once")

    cluster.restart_now()  # every pooled connection dies under the bot
    after = bot.driver.event(_home("U01RITA", "3.0"), event_id="Ev0AFTER")
    assert after.status == 200  # pool_pre_ping replaced the dead connections
    eventually(lambda: _rows(bot) == (3, 3), "rita's home published once")
    assert {bot.emulator.home(u) is not None for u in ("U02BRAM", "U05SAM", "U01RITA")} == {True}
