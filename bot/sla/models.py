"""Scheduling is data: reminder rows with a due time, digest runs with a unique key, user settings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UtcDateTime


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"  # the brief moved on before it was due


class ReminderKind(StrEnum):
    REMINDER = "reminder"  # before the SLA is due
    ESCALATION = "escalation"  # when it is breached
    REPEAT = "repeat"  # after the escalation, until someone acts


class Reminder(Base):
    """One reminder, escalation or repeat for a brief's stage in one round."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"))
    stage: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # a ReminderKind
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default=ReminderStatus.PENDING)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        # The same reminder can never exist twice, whichever instance plans it.
        UniqueConstraint("brief_id", "stage", "round", "kind", "sequence"),
        Index("ix_reminders_due", "status", "due_at"),
        # The tick asks only for pending rows; sent and cancelled ones pile up beside them.
        Index(
            "ix_reminders_pending_due_at",
            "due_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )
