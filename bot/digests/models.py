"""Digest runs (exactly once per target per day) and each person's digest settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.storage.base import Base, UtcDateTime


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
    """A person's own choices: the daily "waiting on you" DM (opt-in) and when it comes."""

    __tablename__ = "user_settings"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_time: Mapped[str | None] = mapped_column(String(5))  # HH:MM local; None: policy default
