"""Out of office: someone away until a date, perhaps with a delegate (`/mops away`).

While a person is away their delegate decides the stages they could decide (recorded as "Sam
for Alex") and gets their reminders; an absent person without a delegate simply isn't counted
as someone a stage can wait on. The last day is inclusive, in the team's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs.models import Away
from policies.schema import Policy


@dataclass(frozen=True)
class Absence:
    user_id: str
    until: date
    delegate_id: str | None


def today(policy: Policy, now: datetime) -> date:
    return now.astimezone(ZoneInfo(policy.business_hours.timezone)).date()


def set_away(
    session: Session, user_id: str, *, until: date, delegate_id: str | None, now: datetime
) -> Absence:
    row = session.get(Away, user_id)
    if row is None:
        row = Away(user_id=user_id, until=until, delegate_id=delegate_id, set_at=now)
        session.add(row)
    else:
        row.until, row.delegate_id, row.set_at = until, delegate_id, now
    return Absence(user_id, until, delegate_id)


def clear(session: Session, user_id: str) -> bool:
    """Back in the office; False when they weren't marked away."""
    row = session.get(Away, user_id)
    if row is None:
        return False
    session.delete(row)
    return True


def absence(session: Session, policy: Policy, user_id: str, now: datetime) -> Absence | None:
    """Their absence when it covers today; a past one is as good as none."""
    row = session.get(Away, user_id)
    if row is None or row.until < today(policy, now):
        return None
    return Absence(row.user_id, row.until, row.delegate_id)


def stand_in(session: Session, policy: Policy, user_id: str, now: datetime) -> str | None:
    """Who acts for `user_id` today: themselves, their delegate while away, or nobody."""
    away = absence(session, policy, user_id, now)
    if away is None:
        return user_id
    return away.delegate_id


def principals(session: Session, policy: Policy, delegate_id: str, now: datetime) -> list[str]:
    """The people away today who named `delegate_id` as their delegate."""
    rows = session.scalars(
        select(Away).where(Away.delegate_id == delegate_id, Away.until >= today(policy, now))
    )
    return sorted(row.user_id for row in rows)
