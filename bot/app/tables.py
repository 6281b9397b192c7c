"""Every table of every domain, registered on Base.metadata by importing them here.

For what needs the whole schema: Alembic's environment (autogenerate) and the tests that empty
every table between tests. Nothing else imports this module.
"""

from bot.audit.models import AuditEvent
from bot.briefs.models import Approval, Away, Brief
from bot.digests.models import DigestRun, UserSetting
from bot.experiments.models import (
    Experiment,
    ExperimentReadout,
    ExperimentResult,
    ExperimentVersion,
)
from bot.intake.models import IntakeRequest
from bot.pipeline.models import Launch, OwnerTurn, PipelineTask, TaskReminder
from bot.pipeline.readiness_models import Asset, ChecklistTick, Variant
from bot.sla.models import Reminder
from bot.slack.models import HandledDelivery, OutboxCall, OutboxMessage, SlackMessage
from bot.storage.base import Base
from bot.tasks.models import Task

__all__ = [
    "Approval",
    "Asset",
    "AuditEvent",
    "Away",
    "Base",
    "Brief",
    "ChecklistTick",
    "DigestRun",
    "Experiment",
    "ExperimentReadout",
    "ExperimentResult",
    "ExperimentVersion",
    "HandledDelivery",
    "IntakeRequest",
    "Launch",
    "OutboxCall",
    "OutboxMessage",
    "OwnerTurn",
    "PipelineTask",
    "Reminder",
    "SlackMessage",
    "Task",
    "TaskReminder",
    "UserSetting",
    "Variant",
]
