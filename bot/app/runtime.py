"""Everything a running bot is made of, wired once: database, policy, Slack client, workers, scheduler."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.app import channel_health
from bot.app.config import Settings
from bot.app.stopping import RunningJobs
from bot.app.wiring import wire
from bot.compliance.service import readable_rules
from bot.core import metrics
from bot.core.clock import Clock, utcnow
from bot.core.logs import get_logger
from bot.intake.classifier import IntakeModel
from bot.intake.live_model import IntakeModels
from bot.slack.clients import direct_client, outbox_client
from bot.slack.directory import Directory, DirectoryUnavailable
from bot.slack.lanes import Lanes
from bot.slack.links import WorkspaceLinks
from bot.slack.models import HandledDelivery, OutboxMessage, OutboxStatus
from bot.slack.people import UserNames
from bot.slack.sender import OutboxSender
from bot.slack.text import Names
from bot.storage.database import Database
from bot.tasks.service import TaskWorker
from policies.intake_schema import IntakeTaxonomy
from policies.loader import PolicyStore
from policies.named_files import taxonomy_errors
from policies.schema import Policy

if TYPE_CHECKING:
    from bot.app.readiness import Check
    from bot.slack.health import Section

RETENTION = timedelta(days=14)
DIRECTORY_REFRESH_SECONDS = 60
PEOPLE_REFRESH_SECONDS = 30 * 60
# How long a stop waits for running work (docker stop's grace is 10 s; the HTTP server's share
# comes first, see bot.cli.main).
STOP_WITHIN = 5.0
log = get_logger(__name__)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    policies: PolicyStore
    client: WebClient
    sender: OutboxSender
    worker: TaskWorker
    directory: Directory
    user_names: UserNames
    links: WorkspaceLinks
    clock: Clock = utcnow
    scheduler: BackgroundScheduler = field(
        default_factory=lambda: BackgroundScheduler(timezone="UTC")
    )
    _intake: IntakeModels | None = None
    _jobs: RunningJobs = field(default_factory=RunningJobs)

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock = utcnow, paced: bool = True) -> Runtime:
        """`paced`: the sender keeps to Slack's rate limits (off only against an emulator that
        does not enforce them, where pacing would slow tests down for nothing)."""
        db = Database(settings.database_url)
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        client = direct_client(token, settings.slack_api_url, settings.slack_timeout)
        runtime = cls(
            settings=settings,
            db=db,
            policies=PolicyStore(settings.policy_file),
            client=client,
            directory=Directory(client, clock=clock),
            user_names=UserNames(client),
            links=WorkspaceLinks(client),
            sender=OutboxSender(
                db,
                outbox_client(token, settings.slack_api_url, settings.slack_timeout),
                clock=clock,
                lanes=Lanes(clock, paced=paced),
            ),
            worker=TaskWorker(
                db, clock=clock, prepare_lease=timedelta(seconds=settings.task_lease)
            ),
            clock=clock,
        )

        wire()
        runtime._register_tasks()
        channel_health.watch(runtime)
        return runtime

    def _register_tasks(self) -> None:
        from bot.intake import service as intake

        def judge(payload: dict) -> intake.Verdict:  # outside the write lock: the model is slow
            model = self.intake_model()
            started = time.perf_counter()
            verdict = intake.judge(self.policy, model, payload["text"])
            result = verdict.result
            metrics.classified(time.perf_counter() - started, result.confidence, result.reason)
            return verdict

        def apply(session: Session, payload: dict, verdict: intake.Verdict) -> None:
            intake.apply_verdict(
                session,
                self.policy,
                self.intake_routes(),
                payload["request_id"],
                verdict,
                self.clock(),
            )

        self.worker.register_prepared(intake.CLASSIFY_TASK, judge, apply)

        from bot.briefs import staffing

        self.worker.register_prepared(
            staffing.CHECK_TASK,
            lambda payload: staffing.read_members(self.directory.members, payload),
            lambda session, payload, members: staffing.check(
                session, self.policy, payload, members, self.clock()
            ),
        )

        from bot.experiments import flows as experiments
        from bot.slack.files import DownloadFailed, download

        def fetch(payload: dict) -> bytes | str:  # outside the write lock: a download is slow
            token = self.settings.slack_bot_token
            try:
                secret = token.get_secret_value() if token else None
                return download(payload["url"], secret, experiments.MAX_FILE_BYTES)
            except DownloadFailed as exc:
                return str(exc)

        def take(session: Session, payload: dict, data: bytes | str) -> None:
            experiments.apply_file(
                session, payload, data, policy_version=self.policy.version, now=self.clock()
            )

        self.worker.register_prepared(experiments.RESULTS_FILE_TASK, fetch, take)

        from bot.pipeline import owners
        from bot.pipeline import service as pipeline

        self.worker.register_prepared(
            pipeline.ASSIGN_JOB,
            lambda payload: owners.read_members(self.directory.members, payload),
            lambda session, payload, members: owners.assign_and_post(
                session, self.policy, payload, members, self.clock()
            ),
        )

        from slack_sdk.errors import SlackApiError

        from bot.pipeline.assets import flows as assets

        def file_info(payload: dict) -> dict | str:  # outside the write lock: a Web API call
            try:
                return dict(self.client.files_info(file=payload["file_id"])["file"])
            except SlackApiError as exc:
                return str(exc.response.get("error") or "files.info failed")

        from bot.encoder.shared import cached_embed
        from bot.pipeline.variants import flows as variants

        self.worker.register_prepared(
            variants.DRAFT_TASK,
            # The local encoder ranks the master's sentences, outside the write lock.
            lambda payload: variants.draft(self.policy, payload, cached_embed),
            lambda session, payload, drafts: variants.take_drafts(
                session, self.policy, payload, drafts, self.clock()
            ),
        )
        self.worker.register_prepared(
            assets.FILE_INFO_TASK,
            file_info,
            lambda session, payload, info: assets.take_file_info(
                session, self.policy, payload, info, self.clock()
            ),
        )

    def intake_models(self) -> IntakeModels:
        taxonomy = self.policy.beside(self.policy.intake.taxonomy_file)
        if self._intake is None or self._intake.taxonomy_path != taxonomy:
            self._intake = IntakeModels(
                taxonomy,
                self.settings.intake_model_dir,
                lambda read: taxonomy_errors(read, self.policy, readable_rules(self.policy)),
            )
        return self._intake

    def readiness(self) -> list[Check]:
        """The /readyz checks (bot.app.readiness), for `/mops health` too."""
        from bot.app import readiness

        return readiness.check(self)

    def health_sections(self) -> list[Section]:
        """`/mops health`'s sections on messages, background work and what was sent."""
        from bot.app import health_facts

        return health_facts.sections(self)

    def intake_routes(self) -> IntakeTaxonomy:
        return self.intake_models().routes()

    def intake_model(self) -> IntakeModel:
        return self.intake_models().model()

    @property
    def policy(self) -> Policy:
        return self.policies.current

    def names(self) -> Names:
        """How text from Slack shows people and groups: names from Slack, handles from policy."""
        groups = {group.usergroup_id: handle for handle, group in self.policy.groups.items()}
        return Names(user=self.user_names, groups=groups)

    def start_background(self, schedule: bool = True) -> None:
        """The sender, the task worker and (unless `schedule` is off: tests that tick by hand
        with a controlled clock) the scheduler's ticks."""
        self.sender.start()
        self.worker.start()
        channel_health.check_in_background(self)
        if not schedule:
            return
        every = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        self.scheduler.add_job(
            self._jobs.track(self.forget_old_rows), "interval", hours=6, id="retention", **every
        )
        # Who is in which user group, read once a minute so a click finds it known (no call).
        self.scheduler.add_job(
            self._jobs.track(self.directory.refresh),
            "interval",
            seconds=DIRECTORY_REFRESH_SECONDS,
            id="directory",
            next_run_time=datetime.now(UTC),
            **every,
        )
        # Everyone's time zone, in a few pages, for waves of reminders and digests.
        self.scheduler.add_job(
            self._jobs.track(self.directory.refresh_people),
            "interval",
            seconds=PEOPLE_REFRESH_SECONDS,
            id="people",
            next_run_time=datetime.now(UTC),
            **every,
        )
        self.scheduler.add_job(
            self._jobs.track(self.tick),
            "interval",
            seconds=self.settings.tick_seconds,
            id="tick",
            next_run_time=datetime.now(UTC),
            **every,
        )
        self.scheduler.start()

    def tick(self) -> None:
        """Reminders due and digests due: rows claimed and sent once, whichever instance ticks."""
        from bot.digests import service as digest
        from bot.pipeline import launches
        from bot.pipeline import reminders as task_reminders
        from bot.sla import reminders

        now = self.clock()
        try:
            reminders.tick(self.db, self.policy, self.directory, now, links=self.links)
            task_reminders.tick(self.db, self.policy, self.directory, now)
            launches.tick(self.db, self.policy, now)
            digest.tick(self.db, self.policy, self.directory, now, self.names())
        except DirectoryUnavailable:
            # Personal digests wait for the user groups; nothing was recorded, the next tick
            # sends them (channel digests went out already, each in its own transaction).
            log.warning("tick.directory_unavailable")
        except Exception:
            log.exception("tick.failed")

    def stop(self, within: float = STOP_WITHIN) -> bool:
        """Stops the ticks, the sender and the worker, letting what runs finish for at most
        `within` seconds in all; then closes the database pool. False if something was still
        running then: it is abandoned, which is safe (a tick's, a task's or an outbox row's
        transaction not committed is done again at the next start; a post being called is
        marked first, and looked up rather than posted again)."""
        deadline = time.monotonic() + within

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        clean = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            clean = self._jobs.wait_idle(left())
        clean = self.sender.stop(timeout=left()) and clean
        clean = self.worker.stop(timeout=left()) and clean
        # A transaction still open keeps its connection: dispose closes only the idle ones.
        self.db.dispose()
        metrics.process_exiting()
        return clean

    def forget_old_rows(self) -> None:
        """Delivered outbox rows and old delivery keys are kept two weeks, for debugging; message
        text as long as MOPSBOT_MESSAGE_RETENTION_DAYS says (bot.privacy)."""
        from bot.privacy import flows as privacy

        days = self.settings.message_retention_days
        if days:
            privacy.purge(self.db, self.clock(), days, self.settings.intake_model_dir)
        cutoff = self.clock() - RETENTION
        with self.db.transaction() as session:
            session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.status == OutboxStatus.DELIVERED,
                    OutboxMessage.delivered_at < cutoff,
                )
            )
            session.execute(delete(HandledDelivery).where(HandledDelivery.handled_at < cutoff))
