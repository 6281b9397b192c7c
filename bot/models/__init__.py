"""ORM tables, one module per domain. Importing this package registers every table on Base."""

from bot.models.base import Base, UtcDateTime, utcnow
from bot.models.briefs import Approval, AuditEvent, Brief
from bot.models.intake import IntakeRequest
from bot.models.schedule import DigestRun, Reminder, UserSetting
from bot.models.slack import HandledDelivery, OutboxMessage, SlackMessage
from bot.models.tasks import Task

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
