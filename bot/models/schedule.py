"""Scheduling is data: reminder rows with a due time, digest runs with a unique key, user settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UtcDateTime, utcnow


class Reminder(Base):
    """One reminder, escalation or repeat for a brief's stage in one round."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"))
    stage: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # reminder | escalation | repeat
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|cancelled
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        # The same reminder can never exist twice, whichever instance plans it.
        UniqueConstraint("brief_id", "stage", "round", "kind", "sequence"),
        Index("ix_reminders_due", "status", "due_at"),
        # The tick asks only for pending rows; sent and cancelled ones pile up beside them.
        Index("ix_reminders_pending_due_at", "due_at", postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
    )


class DigestRun(Base):
    """A digest sent to one target on one day: the unique key makes it exactly once."""

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # channel | user | weekly
    target: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))  # the target's local date, YYYY-MM-DD
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    empty: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("kind", "target", "day"),)


class UserSetting(Base):
    """A person's own choices: the daily "waiting on you" DM and when it comes."""

    __tablename__ = "user_settings"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_time: Mapped[str | None] = mapped_column(String(5))  # HH:MM local; None: policy default
