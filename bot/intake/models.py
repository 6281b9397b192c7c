"""Intake requests and the decisions about them: which model said what, who confirmed or corrected."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.storage.base import Base, UtcDateTime


class IntakeStatus(StrEnum):
    RECEIVED = "received"  # stored at the ack; the classify task has not decided yet
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # unsure or regulated: a person picks
    ROUTED = "routed"  # sure, or a person answered


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
    )  # confident|low_confidence|close_call|out_of_scope
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str | None] = mapped_column(String(64))  # the label it was routed under
    confirmed_by: Mapped[str | None] = mapped_column(String(32))
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    classified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("channel_id", "ts"),
        Index("ix_intake_requests_status", "status"),
    )
