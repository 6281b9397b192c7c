"""Experiments, the versions of their plans, their results and their readouts."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UtcDateTime


class ExperimentStatus(StrEnum):
    REGISTERED = "registered"  # the plan is written; no result yet
    RUNNING = "running"  # results are arriving
    DECIDED = "decided"  # a readout gave ship, roll back or inconclusive at a checkpoint


class Experiment(Base):
    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(120))
    owner_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=ExperimentStatus.REGISTERED)
    plan_version: Mapped[int] = mapped_column(Integer, default=1)  # the current version
    first_day: Mapped[date | None] = mapped_column(Date)  # earliest day with results
    first_result_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_checkpoint: Mapped[int] = mapped_column(Integer, default=0)  # days; 0 = none read out
    outcome: Mapped[str | None] = mapped_column(String(16))  # the latest readout's decision
    push_token_hash: Mapped[str | None] = mapped_column(String(64))
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased words to search
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_experiments_status", "status"),)


class ExperimentVersion(Base):
    """One version of the pre-registered plan; never changed once written."""

    __tablename__ = "experiment_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))
    version: Mapped[int] = mapped_column(Integer)
    plan: Mapped[dict] = mapped_column(JSON)
    author_id: Mapped[str] = mapped_column(String(32))
    after_data: Mapped[bool] = mapped_column(default=False)  # written after the first result
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("experiment_id", "version"),)


class ExperimentResult(Base):
    """Sufficient statistics of one metric in one arm on one day. A day pushed again replaces
    the earlier push (the warehouse corrected it)."""

    __tablename__ = "experiment_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))
    arm: Mapped[str] = mapped_column(String(60))
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(60))
    units: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    total_sq: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))  # upload, cli, push
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("experiment_id", "arm", "day", "metric"),)


class ExperimentReadout(Base):
    """A readout posted at a checkpoint: the decision, the follow-up the plan names for it, and
    the figures behind it."""

    __tablename__ = "experiment_readouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))
    checkpoint: Mapped[int] = mapped_column(Integer)  # days after the first day
    plan_version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))
    arm: Mapped[str | None] = mapped_column(String(60))
    follow_up: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("experiment_id", "checkpoint"),)
