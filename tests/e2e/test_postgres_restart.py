"""PostgreSQL stopped and restarted with `pg_ctl -m immediate` (a crash, as far as the clients
can tell) under the running bot: while it is down a delivery is answered 503, never acked; once
it is back the bot reconnects by itself (pool_pre_ping drops the dead connections), Slack's
retry is handled once, and nothing committed before the crash is lost.

A throwaway cluster under /tmp on a port of its own, never the shared server: the test needs
MOPSBOT_TEST_POSTGRES_URL (a PostgreSQL install to run) and PostgreSQL 15's binaries
(tests.support.postgres)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.core.clock import utcnow
from bot.emulator import SlackEmulator
from bot.slack.lanes import Lanes
from bot.slack.models import HandledDelivery, OutboxCall, OutboxMessage, OutboxStatus
from bot.slack.outbox import enqueue
from bot.slack.sender import OutboxSender
from bot.storage.database import Database, migrate
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


def test_a_post_made_as_the_server_crashed_is_looked_up_not_made_again(cluster: Cluster) -> None:
    """The sender keeps its claim's transaction open through the call: a crash between the
    call and the commit rolls the claim back, so the row looks untried; the mark committed
    before the call says otherwise."""
    admin = create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE sender"))
    admin.dispose()
    migrate(cluster.url_of("sender"))
    db = Database(cluster.url_of("sender"))
    try:
        with SlackEmulator() as emulator:
            client = WebClient(token=emulator.bot_token, base_url=emulator.api_url)
            sender = OutboxSender(db, client, lanes=Lanes(utcnow, paced=False))
            with db.transaction() as session:
                enqueue(session, "chat.postMessage", {"channel": "C01MKTG", "text": "once"})
            emulator.late_next("chat.postMessage", 1.0)  # made at once, answered a second later

            def crash_while_the_answer_is_on_its_way() -> None:
                eventually(lambda: emulator.calls_to("chat.postMessage"), "the post made")
                cluster.restart_now()

            crash = threading.Thread(target=crash_while_the_answer_is_on_its_way)
            crash.start()
            with pytest.raises(OperationalError):
                sender.drain()  # the answer came; the claim's connection had died
            crash.join()
            eventually(lambda: sender.drain() == 1, "the row settled", timeout=20)
            assert [m.text for m in emulator.messages("C01MKTG")] == ["once"]
            assert len(emulator.calls_to("conversations.history")) == 1  # looked up, found
            with db.read() as session:
                assert session.scalars(select(OutboxCall)).all() == []
    finally:
        db.dispose()
