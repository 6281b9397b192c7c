"""Intake requests and the decisions about them: which model said what, who confirmed or corrected,
and where the work stands (new, claimed, done)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.storage.base import Base, UtcDateTime


class IntakeStatus(StrEnum):
    """Where the label stands: the model's decision, or a person's."""

    RECEIVED = "received"  # stored at the ack; the classify task has not decided yet
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # unsure or regulated: a person picks
    ROUTED = "routed"  # sure, or a person answered


class TicketStatus(StrEnum):
    """Where the work stands, once the request has an owner: what the requester follows."""

    NEW = "new"  # nobody has taken it yet
    CLAIMED = "claimed"  # someone works on it
    DONE = "done"


class IntakeRequest(Base):
    __tablename__ = "intake_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    # received -> routed | awaiting_confirmation -> routed
    status: Mapped[str] = mapped_column(String(32), default=IntakeStatus.RECEIVED)
    model_version: Mapped[str | None] = mapped_column(String(64))
    predicted_label: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    top3: Mapped[list | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(
        String(32)
    )  # confident|low_confidence|close_call|out_of_scope|regulated
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str | None] = mapped_column(String(64))  # the label it was routed under
    confirmed_by: Mapped[str | None] = mapped_column(String(32))
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    classified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The compliance categories the text matched, and the groups that must review it (legal).
    regulated: Mapped[list | None] = mapped_column(JSON)
    reviewers: Mapped[list | None] = mapped_column(JSON)
    # The ticket: new -> claimed -> done (a relabel to another team puts it back to new).
    ticket_status: Mapped[str] = mapped_column(String(16), default=TicketStatus.NEW)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_by: Mapped[str | None] = mapped_column(String(32))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    brief_id: Mapped[int | None] = mapped_column(Integer)  # the brief opened from it
    # The outbox message key of the bot's thread message that carries the request's buttons
    # (the question or the routing), so a later change updates it instead of leaving it live.
    message_key: Mapped[str | None] = mapped_column(String(128))
    messages_posted: Mapped[int] = mapped_column(Integer, default=0)
    # Deflection: the version of the label's pre-approved reply the bot answered with (None: it
    # did not), and who pressed "This didn't help" (the request then went to the owner group).
    reply_version: Mapped[int | None] = mapped_column(Integer)
    not_helped_by: Mapped[str | None] = mapped_column(String(32))
    not_helped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The request's message was deleted in Slack: closed, its words dropped (bot.intake.withdrawal).
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("channel_id", "ts"),
        Index("ix_intake_requests_status", "status"),
        Index("ix_intake_requests_ticket_status", "ticket_status", "received_at"),
    )
