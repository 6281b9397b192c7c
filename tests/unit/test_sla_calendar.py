"""The public business calendar (bot.sla.calendar) and who a stage waits on."""

from __future__ import annotations

from datetime import time

import pytest

from bot.app.config import PACKAGE_POLICY
from bot.sla.calendar import as_time, calendar_for, stage_sla_hours, weekday
from bot.sla.reminders import stage_approvers
from policies.loader import load_policy


@pytest.mark.parametrize(("day", "number"), [("mon", 0), ("Monday", 0), ("FRI", 4), ("sun", 6)])
def test_weekday_reads_any_spelling_of_a_day(day: str, number: int) -> None:
    assert weekday(day) == number


def test_as_time_accepts_a_time_or_text() -> None:
    assert as_time("09:30") == time(9, 30)
    assert as_time(time(17, 0)) == time(17, 0)


def test_one_calendar_per_policy_version() -> None:
    policy = load_policy(PACKAGE_POLICY)
    calendar = calendar_for(policy)
    assert calendar is calendar_for(policy)
    assert str(calendar.timezone) == str(policy.business_hours.timezone)
    assert calendar.weekdays == frozenset(weekday(day) for day in policy.business_hours.days)


def test_stage_sla_hours_of_a_stage_and_of_none() -> None:
    policy = load_policy(PACKAGE_POLICY)
    first = policy.workflows.brief.stages[0]
    assert stage_sla_hours(policy, first.name) == (first.sla.business_hours if first.sla else None)
    assert stage_sla_hours(policy, None) is None


class Members:
    """The directory's one question here: who is in a Slack user group."""

    def members(self, usergroup_id: str) -> set[str]:
        return {"S01BRAND": {"U01BRAM", "U02BEA"}}.get(usergroup_id, set())


def test_stage_approvers_expands_groups_to_people() -> None:
    policy = load_policy(PACKAGE_POLICY)
    brand = next(
        stage for stage in policy.workflows.brief.stages if "@brand-team" in stage.approvers
    )
    assert stage_approvers(policy, Members(), brand.name) >= {"U01BRAM", "U02BEA"}  # type: ignore[arg-type]
    assert stage_approvers(policy, Members(), None) == set()  # type: ignore[arg-type]
