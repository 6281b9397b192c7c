"""Briefs, their approval decisions, and the append-only audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.storage.base import Base, UtcDateTime


class Brief(Base):
    __tablename__ = "briefs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # the cleaned form values, by field id
    requester_id: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32), index=True)
    # The review stages of this brief, copied from policy at submit (a compliance gate may add one).
    stages: Mapped[list[str]] = mapped_column(JSON)
    stage_index: Mapped[int | None] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, default=1)
    template_version: Mapped[str] = mapped_column(String(32))
    policy_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the brief entered its current state/stage: the start of that stage's SLA clock.
    stage_entered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Stages an ops admin handed to one person ({stage name: user id}), for the brief's life.
    assignees: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)
    # Optimistic lock: two clicks on the same version make exactly one transition.
    version: Mapped[int] = mapped_column(Integer, default=1)

    # The service bumps the version itself (before rendering buttons that carry it); SQLAlchemy
    # still checks the old value in the UPDATE's WHERE clause.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
    # Digests list the oldest briefs of each state first and count them against SLA cutoffs.
    __table_args__ = (Index("ix_briefs_state_stage_entered_at", "state", "stage_entered_at"),)

    @property
    def stage(self) -> str | None:
        if self.stage_index is None or self.stage_index >= len(self.stages):
            return None
        return self.stages[self.stage_index]

    @property
    def thread_key(self) -> str:
        """The key of the brief's parent message in slack_messages."""
        return f"brief:{self.id}"


class Approval(Base):
    """A decision at a stage: approve, request_changes or reject."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"), index=True)
    stage: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[str] = mapped_column(String(32))
    # A delegate's decision: the person away they stood in for ("Sam for Alex").
    on_behalf_of: Mapped[str | None] = mapped_column(String(32), default=None)
    decision: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Away(Base):
    """Someone out of office until a date (inclusive, in the team's time zone), perhaps with a
    delegate who decides their stages and gets their reminders meanwhile."""

    __tablename__ = "away"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    until: Mapped[date] = mapped_column(Date)
    delegate_id: Mapped[str | None] = mapped_column(String(32), index=True)
    set_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
