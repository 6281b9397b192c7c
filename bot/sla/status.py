"""Where a brief stands against its stage's SLA, in words for its full view (`/brief show`):
the due time in the reader's own time zone, and on time or overdue by how much business time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.briefs.models import Brief
from bot.briefs.workflow import BriefState
from bot.sla.calendar import business_time, calendar_for, stage_sla_hours
from bot.slack import blocks
from policies.schema import Policy
from policies.sla import sla_status


def standing_lines(
    _session: Session,  # the signature every standing hook has
    policy: Policy,
    brief: Brief,
    now: datetime,
) -> list[str]:
    if brief.state != BriefState.IN_REVIEW or brief.stage is None:
        return []
    sla = stage_sla_hours(policy, brief.stage)
    if sla is None:
        return ["*Due:* this stage has no SLA"]
    status = sla_status(brief.stage_entered_at, sla, now, calendar_for(policy))
    due = blocks.local_time(status.due_at)
    if status.breached:
        late = max(status.elapsed_hours - sla, 0.0)
        return [f"*Due:* {due} · :red_circle: overdue by {business_time(late)}"]
    left = max(sla - status.elapsed_hours, 0.0)
    return [f"*Due:* {due} · on time, {business_time(left)} left of {business_time(sla)}"]
