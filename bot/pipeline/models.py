"""The pipeline's tables: the tasks of a brief, their SLA reminders, launch intents, and whose
turn it is in each owner group."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.storage.base import Base, UtcDateTime


class WorkStatus(StrEnum):
    """Where a pipeline task stands."""

    OPEN = "open"  # nobody has started it (it may have an owner already)
    CLAIMED = "claimed"  # someone is on it
    BLOCKED = "blocked"  # its owner said what stops it
    DONE = "done"
    CANCELLED = "cancelled"  # the brief was cancelled or rejected


OPEN_STATUSES = (WorkStatus.OPEN, WorkStatus.CLAIMED, WorkStatus.BLOCKED)


class PipelineTask(Base):
    """One piece of work an approved brief needs (copy draft, design asset, ...), from the
    policy's task template of the same name."""

    __tablename__ = "pipeline_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"))
    round: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(80))
    # The policy's owner: a group handle ("@design-team") or a user id.
    owner_ref: Mapped[str] = mapped_column(String(64))
    # The one person it is with: taken in turns from the group, named, or whoever claimed it.
    assignee_id: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default=WorkStatus.OPEN)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    # Task names (and review stages) this one waits for.
    depends_on: Mapped[list[str]] = mapped_column(JSON, default=list)
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sla_hours: Mapped[float | None] = mapped_column(Float)
    # When its dependencies were all done: the start of its SLA clock.
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    policy_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Optimistic lock: two clicks on the same version make one change.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("brief_id", "round", "name"),
        Index("ix_pipeline_tasks_status_due_at", "status", "due_at"),
    )

    @property
    def message_key(self) -> str:
        """Where its message in the brief's thread is kept (slack_messages)."""
        return f"pipeline_task:{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TaskReminder(Base):
    """A reminder, escalation or repeat for one pipeline task: planned when it can start, sent
    once by the tick (the same shape as a review stage's reminders)."""

    __tablename__ = "pipeline_task_reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("pipeline_tasks.id"))
    kind: Mapped[str] = mapped_column(String(16))  # a bot.sla.models.ReminderKind
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))  # a bot.sla.models.ReminderStatus
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        # The same reminder can never exist twice, whichever instance plans it.
        UniqueConstraint("task_id", "kind", "sequence"),
        Index(
            "ix_pipeline_task_reminders_pending_due_at",
            "due_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )


class LaunchStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its time
    WAITING = "waiting"  # its time came, something blocks it; it goes once nothing does
    CONFIRMING = "confirming"  # ready: a person's Confirm click launches it
    LAUNCHED = "launched"
    CANCELLED = "cancelled"


PENDING_LAUNCH = (LaunchStatus.SCHEDULED, LaunchStatus.WAITING, LaunchStatus.CONFIRMING)


class Launch(Base):
    """When a brief should go live (`/brief schedule ID DATE TIME`): one intent per brief, kept
    as a row with a due time that the tick claims (scheduling is data)."""

    __tablename__ = "pipeline_launches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"), unique=True)
    launch_at: Mapped[datetime] = mapped_column(UtcDateTime)
    timezone: Mapped[str] = mapped_column(String(64))  # the requester's, as they typed the time
    requested_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=LaunchStatus.SCHEDULED)
    # The blockers already told to their owners (keys), so each is told once, not every tick.
    told: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    launched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
    __table_args__ = (Index("ix_pipeline_launches_status_launch_at", "status", "launch_at"),)


class OwnerTurn(Base):
    """Whose turn it is next in an owner group: round-robin across approvals and instances."""

    __tablename__ = "pipeline_owner_turns"

    owner_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    turn: Mapped[int] = mapped_column(Integer, default=0)
