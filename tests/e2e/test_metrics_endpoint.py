"""/metrics, scraped over HTTP after real traffic through the emulator: the numbers move as the
bot works (deliveries, acks, outbox calls, 429s, reminders, escalations, digests), and the
database facts (outbox depth, the oldest wait, the task queue) are read at scrape time."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.app.runtime import Runtime
from bot.app.scrape import metrics_app
from bot.app.serving import SidePort
from bot.core.clock import utcnow
from bot.digests.models import DigestRun
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.storage.database import Database
from bot.tasks.models import Task
from tests.support.briefs import approve, new_brief, outbox_drained
from tests.support.clock import Clock
from tests.support.intake import requests
from tests.support.scrape import Scrape, moved, scrape
from tests.support.waiting import eventually

NY = ZoneInfo("America/New_York")
DOWN_DATABASE = "postgresql+psycopg://mopsbot:s3cret@127.0.0.1:9/nowhere"


@pytest.fixture
def idle(db: Database) -> Iterator[LocalBot]:
    """The bot without its background workers: rows stay as the test wrote them."""
    with local_bot(Settings(database_url=db.url), background=False, migrate_first=False) as bot:
        yield bot


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 9, 9, 0, tzinfo=NY))  # a Monday morning in New York


def scrape_on_side_port(runtime: Runtime) -> Scrape:
    """/metrics of `runtime` (with a database of its own, disposed after) on a Socket Mode port."""
    side = SidePort(None, "127.0.0.1", 0, metrics=metrics_app(runtime)).start()
    try:
        return scrape(side.base_url)
    finally:
        side.stop()
        runtime.db.dispose()


def posts_delivered(local: LocalBot) -> int:
    with local.runtime.db.read() as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.method == "chat.postMessage",
                OutboxMessage.status == OutboxStatus.DELIVERED,
            )
        )


def test_a_brief_and_an_approval_move_the_delivery_ack_and_outbox_counters(
    local: LocalBot,
) -> None:
    base = local.server.base_url
    before = scrape(base)
    parent = new_brief(local)
    approve(local, parent, "bram")
    redelivered = local.driver.redeliver(retry_num=1)  # Slack retries the click: no effect
    assert redelivered.status == 200
    eventually(lambda: outbox_drained(local), "the outbox drained")
    after = scrape(base)

    deliveries = "mopsbot_slack_deliveries_total"
    assert moved(before, after, deliveries, type="command", outcome="ok") == 1
    assert moved(before, after, deliveries, type="view_submission", outcome="ok") == 1
    assert moved(before, after, deliveries, type="action", outcome="ok") == 1
    assert moved(before, after, deliveries, type="action", outcome="duplicate") == 1
    assert moved(before, after, "mopsbot_slack_retries_received_total", type="action") == 1
    assert moved(before, after, "mopsbot_ack_seconds_count", type="action") == 2
    assert moved(before, after, "mopsbot_ack_seconds_count", type="command") == 1
    # every ack of this test within Slack's 3 seconds
    assert moved(before, after, "mopsbot_ack_seconds_bucket", type="action", le="3.0") == 2
    posted = posts_delivered(local)
    assert posted >= 2  # the brief and its approval in the thread
    calls = "mopsbot_outbox_calls_total"
    assert moved(before, after, calls, method="chat.postMessage", outcome="delivered") == posted
    assert after.value("mopsbot_outbox_depth", status="pending") == 0
    assert after.value("mopsbot_outbox_oldest_due_seconds") == 0
    assert after.value("mopsbot_database_up") == 1
    assert after.value("mopsbot_policy_info", version=local.runtime.policy.version) == 1
    assert after.value("mopsbot_intake_model_info", version="none") == 1


def test_a_429_is_counted_by_method_and_the_message_still_goes(local: LocalBot) -> None:
    base = local.server.base_url
    before = scrape(base)
    local.emulator.fail_next("chat.postMessage", "ratelimited", retry_after=1)
    new_brief(local)  # waits for the brief's message, posted after the Retry-After
    eventually(lambda: outbox_drained(local), "the outbox drained")
    after = scrape(base)
    assert moved(before, after, "mopsbot_slack_ratelimited_total", method="chat.postMessage") == 1
    calls = "mopsbot_outbox_calls_total"
    assert moved(before, after, calls, method="chat.postMessage", outcome="retry") == 1
    assert moved(before, after, calls, method="chat.postMessage", outcome="delivered") >= 1
    assert moved(before, after, "mopsbot_slack_ratelimited_total", method="chat.update") == 0


def test_outbox_and_task_queue_are_read_from_the_database_and_two_instances_agree(
    idle: LocalBot,
) -> None:
    db = idle.runtime.db
    with db.transaction() as session:
        session.add_all(
            [
                OutboxMessage(
                    method="chat.postMessage",
                    payload={"channel": "C1", "text": "waiting"},
                    created_at=utcnow() - timedelta(minutes=10),
                ),
                OutboxMessage(
                    method="chat.postMessage",
                    payload={"channel": "C1", "text": "held for quiet hours"},
                    not_before=utcnow() + timedelta(hours=8),
                ),
                OutboxMessage(
                    method="chat.postMessage",
                    payload={"channel": "C1", "text": "refused"},
                    status=OutboxStatus.FAILED,
                ),
                Task(
                    kind="intake.classify",
                    payload={"request_id": 1},
                    created_at=utcnow() - timedelta(seconds=90),
                ),
            ]
        )
    first = scrape(idle.server.base_url)
    assert first.value("mopsbot_outbox_depth", status="pending") == 2
    assert first.value("mopsbot_outbox_depth", status="failed") == 1
    assert 595 <= first.value("mopsbot_outbox_oldest_due_seconds") <= 700
    assert first.value("mopsbot_task_queue_depth", kind="intake.classify") == 1
    assert 85 <= first.value("mopsbot_task_oldest_pending_seconds", kind="intake.classify") <= 200

    # Another instance (its own connections to the same database) reports the same facts.
    second = scrape_on_side_port(replace(idle.runtime, db=Database(db.url)))
    for name, labels in [
        ("mopsbot_outbox_depth", {"status": "pending"}),
        ("mopsbot_outbox_depth", {"status": "failed"}),
        ("mopsbot_task_queue_depth", {"kind": "intake.classify"}),
    ]:
        assert second.value(name, **labels) == first.value(name, **labels)


def test_a_database_that_is_down_still_answers_the_scrape_with_the_counters(
    local: LocalBot,
) -> None:
    found = scrape_on_side_port(replace(local.runtime, db=Database(DOWN_DATABASE)))
    assert found.value("mopsbot_database_up") == 0
    assert "# TYPE mopsbot_slack_deliveries_total counter" in found.text
    assert "mopsbot_outbox_depth" not in found.text
    assert "s3cret" not in found.text


def test_reminders_escalations_and_digests_sent_are_counted(timed: LocalBot, clock: Clock) -> None:
    base = timed.server.base_url
    new_brief(timed)
    before = scrape(base)
    clock.now = datetime(2026, 11, 10, 13, 16, tzinfo=NY)  # 75% of the stage's SLA
    timed.runtime.tick()
    middle = scrape(base)
    assert moved(before, middle, "mopsbot_reminders_sent_total", kind="reminder") == 1
    assert moved(before, middle, "mopsbot_reminders_sent_total", kind="escalation") == 0
    clock.now = datetime(2026, 11, 10, 17, 31, tzinfo=NY)  # past the SLA
    timed.runtime.tick()
    timed.runtime.tick()  # a second tick sends nothing again
    after = scrape(base)
    assert moved(middle, after, "mopsbot_reminders_sent_total", kind="escalation") == 1
    assert moved(middle, after, "mopsbot_reminders_sent_total", kind="reminder") == 0
    with timed.runtime.db.read() as session:
        channel_digests = session.scalar(
            select(func.count())
            .select_from(DigestRun)
            .where(DigestRun.kind == "channel", DigestRun.empty.is_(False))
        )
    assert channel_digests == 1  # Tuesday's, at the first tick after 09:00 in New York
    assert moved(before, after, "mopsbot_digests_sent_total", kind="channel") == channel_digests


def test_the_socket_mode_side_port_serves_metrics_beside_healthz(local: LocalBot) -> None:
    side = SidePort(None, "127.0.0.1", 0, metrics=metrics_app(local.runtime)).start()
    try:
        found = scrape(side.base_url)
        with urllib.request.urlopen(f"{side.base_url}/healthz", timeout=5) as response:
            assert response.read() == b"ok"
    finally:
        side.stop()
    assert found.value("mopsbot_outbox_depth", status="pending") == 0
    assert found.labels_of("mopsbot_policy_info") == [{"version": local.runtime.policy.version}]


def test_with_a_metrics_token_only_a_scraper_that_sends_it_is_answered(local: LocalBot) -> None:
    token = "f3" * 16
    runtime = replace(local.runtime, settings=Settings(metrics_token=SecretStr(token)))
    side = SidePort(None, "127.0.0.1", 0, metrics=metrics_app(runtime)).start()

    def get(path: str, authorization: str | None) -> tuple[int, Message, str]:
        headers = {"Authorization": authorization} if authorization else {}
        request = urllib.request.Request(f"{side.base_url}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.headers, refused.read().decode()

    try:
        for wrong in (None, f"Bearer {token[:-1]}", f"Basic {token}", f"Bearer {token}x"):
            status, headers, body = get("/metrics", wrong)
            assert status == 401 and headers.get("WWW-Authenticate", "").startswith("Bearer"), wrong
            assert "mopsbot_" not in body and token not in body
        status, _, body = get("/metrics", f"Bearer {token}")
        assert status == 200 and Scrape(body).value("mopsbot_database_up") == 1
        assert get("/healthz", None)[:1] == (200,)  # the probes need no token
    finally:
        side.stop()


def test_openmetrics_is_served_when_the_scraper_asks_for_it(local: LocalBot) -> None:
    request = urllib.request.Request(
        f"{local.server.base_url}/metrics",
        headers={"Accept": "application/openmetrics-text; version=1.0.0"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("application/openmetrics-text")
        assert response.read().decode().rstrip().endswith("# EOF")


@pytest.mark.slow
def test_an_intake_message_is_timed_and_its_confidence_counted(bot: LocalBot) -> None:
    base = bot.server.base_url
    before = scrape(base)
    bot.slack.say(
        "Can you build a landing page for the spring webinar?", as_user="rita", channel="intake"
    )
    [request] = eventually(
        lambda: [r for r in requests(bot) if r.classified_at is not None], "the classified request"
    )
    after = scrape(base)
    assert moved(before, after, "mopsbot_intake_classify_seconds_count") == 1
    assert moved(before, after, "mopsbot_intake_classify_seconds_sum") > 0
    reason = "confident" if request.reason == "regulated" else request.reason
    assert moved(before, after, "mopsbot_intake_confidence_count", reason=reason) == 1
    assert after.value("mopsbot_intake_model_info", version=request.model_version) == 1
