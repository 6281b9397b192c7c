"""PostgreSQL stopped and restarted with `pg_ctl -m immediate` (a crash, as far as the clients
can tell) under the running bot: while it is down a delivery is answered 503, never acked; once
it is back the bot reconnects by itself (pool_pre_ping drops the dead connections), Slack's
retry is handled once, and nothing committed before the crash is lost.

A throwaway cluster under /tmp on a port of its own, never the shared server: the test needs
MOPSBOT_TEST_POSTGRES_URL (a PostgreSQL install to run) and PostgreSQL 15's binaries
(tests.support.postgres)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.slack.models import HandledDelivery, OutboxMessage, OutboxStatus
from tests.conftest import POSTGRES_URL
from tests.support.postgres import Cluster, available, throwaway_cluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL or not available(),
    reason="needs MOPSBOT_TEST_POSTGRES_URL, PostgreSQL 15 and root (to run it as postgres)",
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster() as own:
        yield own


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
