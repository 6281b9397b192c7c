"""Intake requests and the decisions about them: which model said what, who confirmed or corrected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.storage.base import Base, UtcDateTime


class IntakeRequest(Base):
    __tablename__ = "intake_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    # received -> routed (sure, or a person answered) | awaiting_confirmation
    status: Mapped[str] = mapped_column(String(32), default="received")
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
