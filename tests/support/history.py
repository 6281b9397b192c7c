"""Past review history written straight into the database: briefs and their audit rows, for the
figures that need weeks of it (a forecast learns from 90 days; clicking through that is no test)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.briefs.models import Brief

# (action, to_state, stage, actor, hours after t0)
Event = tuple[str, str, str, str, float]


def seed_brief(
    session: Session, brief_id: int, state: str, t0: datetime, events: list[Event]
) -> None:
    session.add(
        Brief(
            id=brief_id,
            title=f"b{brief_id}",
            fields={},
            requester_id="U01RITA",
            channel_id="C01MKTG",
            state=state,
            stages=["brand", "legal"],
            stage_index=0 if state == "in_review" else None,
            round=1,
            template_version="1",
            policy_version="p",
            created_at=t0,
            updated_at=t0,
            stage_entered_at=t0,
            version=1,
        )
    )
    session.flush()
    for action, to_state, stage, actor, hours in events:
        audit.record(
            session,
            brief_id=brief_id,
            actor_id=actor,
            action=action,
            to_state=to_state,
            stage=stage,
            round=1,
            policy_version="p",
            at=t0 + timedelta(hours=hours),
        )
