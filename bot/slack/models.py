"""Tables for talking to Slack: the outbox, messages we posted, and deliveries already handled."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.storage.base import Base, UtcDateTime


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # Slack refused it, or it ran out of attempts


class Priority(IntEnum):
    """Which rows go first when many are due: what a person just did before the bulk."""

    INTERACTIVE = 0  # an ephemeral answer, the update of the message just clicked, a home tab
    NORMAL = 1  # a brief posted, a thread reply
    BULK = 2  # fan-out: reminders, digests


class OutboxMessage(Base):
    """One Slack Web API call to make, written in the same transaction as its cause."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    method: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Rows with the same ordering key are delivered one after another, in id order
    # (a brief's parent message, its thread replies and its updates).
    ordering_key: Mapped[str | None] = mapped_column(String(128))
    # When set, the posted message's channel and ts are kept in slack_messages under this key.
    message_key: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    # Lower goes first (Priority); within a priority, oldest first.
    priority: Mapped[int] = mapped_column(SmallInteger, default=Priority.NORMAL)
    # The rate limit it counts against (bot.slack.lanes): "chat.postMessage:C123" or the method.
    lane: Mapped[str | None] = mapped_column(String(160))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not before this moment (Retry-After, backoff, a recipient's quiet hours); NULL: at once.
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_outbox_pending", "status", "not_before"),
        Index("ix_outbox_status_priority", "status", "priority", "id"),
        Index("ix_outbox_ordering", "ordering_key", "status", "id"),
    )


class OutboxCall(Base):
    """A post the sender is making for an outbox row, committed before the call on a connection
    of its own and removed with the row's answer. One left behind means the answer was never
    recorded (the process died, or the database went away, mid-call; on PostgreSQL the row's
    claim rolled back with it, so another instance sees an untried row): whoever sends the row
    next looks the post up before making it again (bot.slack.settle)."""

    __tablename__ = "outbox_calls"

    row_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    called_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SlackMessage(Base):
    """Where a message we posted lives, so later rows can reply in its thread or update it."""

    __tablename__ = "slack_messages"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_slack_messages_channel_ts", "channel", "ts", unique=True),)


class HandledDelivery(Base):
    """An incoming Slack delivery (event id, action, view submission) already acted on."""

    __tablename__ = "handled_deliveries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class UnreachableChannel(Base):
    """A channel that refused the bot's post (not a member, gone, archived), once per UTC day:
    the ops admins are told of a channel once a day, not once per lost message."""

    __tablename__ = "unreachable_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, UTC
    error: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(64))
    first_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ux_unreachable_channels_day", "channel", "day", unique=True),)
