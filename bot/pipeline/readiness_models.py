"""The tables of what readies a brief for launch: checklist ticks, the drafts and links attached
to it, and its channel variants (migration 0013)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UtcDateTime


class ChecklistTick(Base):
    """A person ticked a checklist item of a brief's stage, in one review round."""

    __tablename__ = "checklist_ticks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    ticked_by: Mapped[str] = mapped_column(String(32))
    ticked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    template_version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("brief_id", "round", "stage", "item_id"),)


class Asset(Base):
    """A draft file or a link attached to a brief from its thread, with what is known of it."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # file | link
    # The Slack file id, or the link itself (cut to 200): one asset per brief and reference.
    ref: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    mimetype: Mapped[str | None] = mapped_column(String(100))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    alt_text: Mapped[str | None] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[dict[str, Any]] = mapped_column(JSON)  # channel, format, campaign
    posted_by: Mapped[str] = mapped_column(String(32))
    # The thread message that shared it: deleting that message takes the asset off the brief.
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("brief_id", "ref"),)


class Variant(Base):
    """A channel variant of a brief's master copy: drafted by the bot, accepted by a person."""

    __tablename__ = "variants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"), index=True)
    channel: Mapped[str] = mapped_column(String(64))
    drafted_text: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # drafted | accepted
    # Stages whose approvers must accept it (regulated claims found in it), by the gate.
    needs: Mapped[list[str]] = mapped_column(JSON)
    accepted_by: Mapped[str | None] = mapped_column(String(32))
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("brief_id", "channel"),)
