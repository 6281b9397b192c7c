"""ORM tables, one module per domain. Importing this package registers every table on Base."""

from bot.audit.models import AuditEvent
from bot.briefs.models import Approval, Brief
from bot.core.clock import utcnow
from bot.digests.models import DigestRun, UserSetting
from bot.intake.models import IntakeRequest
from bot.sla.models import Reminder
from bot.slack.models import HandledDelivery, OutboxMessage, SlackMessage
from bot.storage.base import Base, UtcDateTime
from bot.tasks.models import Task

__all__ = [
    "Approval",
    "AuditEvent",
    "Brief",
    "DigestRun",
    "Reminder",
    "UserSetting",
    "Base",
    "HandledDelivery",
    "IntakeRequest",
    "OutboxMessage",
    "SlackMessage",
    "Task",
    "UtcDateTime",
    "utcnow",
]
