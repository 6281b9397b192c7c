"""The typed states and statuses fit the string columns they are stored in (no migration)."""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlalchemy import Column

from bot.briefs.models import Brief
from bot.briefs.workflow import WHY_NOT, BriefState
from bot.intake.models import IntakeRequest, IntakeStatus
from bot.sla.models import Reminder, ReminderKind, ReminderStatus
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.tasks.models import Task, TaskStatus

STORED = [
    (BriefState, Brief.__table__.c.state),
    (IntakeStatus, IntakeRequest.__table__.c.status),
    (ReminderStatus, Reminder.__table__.c.status),
    (ReminderKind, Reminder.__table__.c.kind),
    (OutboxStatus, OutboxMessage.__table__.c.status),
    (TaskStatus, Task.__table__.c.status),
]


@pytest.mark.parametrize(("enum", "column"), STORED)
def test_every_value_fits_its_column(enum: type[StrEnum], column: Column) -> None:
    assert all(len(member.value) <= column.type.length for member in enum)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("enum", "column"),
    [pair for pair in STORED if pair[1].name == "status" and pair[0] is not IntakeStatus],
)
def test_new_rows_start_pending(enum: type[StrEnum], column: Column) -> None:
    assert column.default.arg == enum("pending")  # type: ignore[union-attr]


def test_a_stored_string_compares_equal_to_its_state() -> None:
    assert BriefState.IN_REVIEW == "in_review" and BriefState("changes_requested") in WHY_NOT
    assert {BriefState.LIVE: "x"}["live"] == "x"  # dicts keyed by state accept the column's str


def test_the_partial_index_of_due_reminders_names_the_pending_status() -> None:
    (index,) = [i for i in Reminder.__table__.indexes if i.name == "ix_reminders_pending_due_at"]
    assert f"'{ReminderStatus.PENDING}'" in str(index.dialect_options["sqlite"]["where"])
