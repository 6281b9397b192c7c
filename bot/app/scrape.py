"""GET /metrics: the counters of bot.core.metrics, plus facts read from the database at scrape time.

The database facts (outbox depth, the oldest undelivered message's wait, the task queue) are
computed when Prometheus asks, by a collector, not kept in gauges: every instance reads the same
shared database, so two instances report the same numbers, and none drifts after a restart.
The policy and intake model versions are info metrics read the same way.

With PROMETHEUS_MULTIPROC_DIR set, the counters come from every process's files in that folder
(prometheus_client's MultiProcessCollector); otherwise from this process, with its CPU and memory.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from bot.core.logs import get_logger
from bot.slack import outbox
from bot.slack.models import OutboxMessage
from bot.tasks.models import Task, TaskStatus

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from bot.app.runtime import Runtime

log = get_logger(__name__)


class DatabaseFacts(Collector):
    """Gauges read from the shared database, and the versions in force, at each scrape."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterable[Metric]:
        yield from self._versions()
        up = GaugeMetricFamily(
            "mopsbot_database_up", "1 when the database answered this scrape, else 0"
        )
        try:
            facts = list(self._database())
        except Exception as exc:  # a scrape must still answer: the counters are worth having
            log.warning("metrics.database_unreadable", error=type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from facts

    def _database(self) -> Iterator[Metric]:
        now = self.runtime.clock()
        with self.runtime.db.read() as session:
            by_status: dict[str, int] = {
                status: count
                for status, count in session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            }
            oldest = outbox.oldest_due_age(session, now)
            tasks = session.execute(
                select(Task.kind, func.count(), func.min(Task.created_at))
                .where(Task.status == TaskStatus.PENDING)
                .group_by(Task.kind)
            ).all()
            failed_tasks = session.scalar(
                select(func.count()).select_from(Task).where(Task.status == TaskStatus.FAILED)
            )
        depth = GaugeMetricFamily(
            "mopsbot_outbox_depth",
            "Outbox rows (Slack calls to make) by status: pending, or failed for good",
            labels=["status"],
        )
        for status in ("pending", "failed"):
            depth.add_metric([status], by_status.get(status, 0))
        yield depth
        yield GaugeMetricFamily(
            "mopsbot_outbox_oldest_due_seconds",
            "How long the longest-waiting due outbox row has waited (0 when none is due)",
            value=oldest.total_seconds() if oldest is not None else 0.0,
        )
        queue = GaugeMetricFamily(
            "mopsbot_task_queue_depth", "Pending work-queue tasks, by kind", labels=["kind"]
        )
        wait = GaugeMetricFamily(
            "mopsbot_task_oldest_pending_seconds",
            "How long the oldest pending task of each kind has waited since it was written",
            labels=["kind"],
        )
        for kind, count, since in tasks:
            queue.add_metric([kind], count)
            wait.add_metric([kind], max(0.0, (now - since).total_seconds()))
        yield queue
        yield wait
        yield GaugeMetricFamily(
            "mopsbot_tasks_failed", "Tasks given up after their last attempt", value=failed_tasks
        )

    def _versions(self) -> Iterator[Metric]:
        policy = InfoMetricFamily("mopsbot_policy", "The policy in force")
        policy.add_metric([], {"version": self.runtime.policy.version})
        yield policy
        version = self.runtime.intake_models().loaded_version()
        model = InfoMetricFamily(
            "mopsbot_intake_model", "The intake model in use (none: not loaded yet)"
        )
        model.add_metric([], {"version": version or "none"})
        yield model


class _Exposition(Collector):
    """The counters (this process's, or every process's) and the database facts, as one."""

    def __init__(self, counters: Collector | CollectorRegistry, facts: DatabaseFacts) -> None:
        self.counters = counters
        self.facts = facts

    def collect(self) -> Iterable[Metric]:
        yield from self.counters.collect()
        yield from self.facts.collect()


def counters() -> Collector | CollectorRegistry:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return registry


def metrics_app(runtime: Runtime) -> WSGIApplication:
    """GET /metrics in Prometheus's text format (or OpenMetrics when the scraper asks for it);
    with MOPSBOT_METRICS_TOKEN set, only for a scraper that sends it as a bearer token."""
    exposition = _Exposition(counters(), DatabaseFacts(runtime))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(exposition)

    token = runtime.settings.metrics_token
    expected = f"Bearer {token.get_secret_value()}".encode() if token else None

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        sent = (environ.get("HTTP_AUTHORIZATION") or "").encode()
        if expected is not None and not hmac.compare_digest(sent, expected):
            log.info("request", type="metrics", outcome="http_401")
            start_response(
                "401 Unauthorized",
                [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')],
            )
            return [b"send the metrics token: Authorization: Bearer <MOPSBOT_METRICS_TOKEN>"]
        encoder, content_type = choose_encoder(environ.get("HTTP_ACCEPT") or "")
        body = encoder(registry)
        start_response("200 OK", [("Content-Type", content_type), ("Cache-Control", "no-store")])
        return [body]

    return wsgi
