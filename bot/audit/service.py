"""The audit trail: one function every domain writes through, and an export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit.models import AuditEvent

EXPORT_COLUMNS = [
    "id",
    "at",
    "brief_id",
    "actor_id",
    "action",
    "from_state",
    "to_state",
    "stage",
    "round",
    "reason",
    "policy_version",
    "template_version",
    "detail",
]


def record(
    session: Session,
    *,
    actor_id: str,
    action: str,
    policy_version: str,
    at: datetime,
    brief_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    stage: str | None = None,
    round: int | None = None,
    reason: str | None = None,
    template_version: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        brief_id=brief_id,
        actor_id=actor_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        stage=stage,
        round=round,
        reason=reason,
        policy_version=policy_version,
        template_version=template_version,
        detail=detail,
        at=at,
    )
    session.add(event)
    return event


def trail(session: Session, brief_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.brief_id == brief_id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def events_between(
    session: Session, since: datetime | None, until: datetime | None
) -> Iterable[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return session.scalars(query).yield_per(1000)


def as_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "brief_id": event.brief_id,
        "actor_id": event.actor_id,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "stage": event.stage,
        "round": event.round,
        "reason": event.reason,
        "policy_version": event.policy_version,
        "template_version": event.template_version,
        "detail": event.detail,
    }


def export(events: Iterable[AuditEvent], fmt: str) -> str:
    rows = [as_row(event) for event in events]
    if fmt == "json":
        return json.dumps(rows, indent=2)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "detail": json.dumps(row["detail"]) if row["detail"] else ""})
    return buffer.getvalue()
