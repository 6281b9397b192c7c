"""The scorecard and goal progress, each read in a unit of work of its own."""

from __future__ import annotations

from datetime import datetime

from bot.briefs.messages import stage_label
from bot.insights import messages, service
from bot.intake.messages import label_name
from bot.storage.database import Database
from policies.intake_schema import IntakeTaxonomy
from policies.schema import Policy


def scorecard_lines(
    db: Database, policy: Policy, routes: IntakeTaxonomy, *, now: datetime
) -> list[str]:
    with db.read() as session:
        rows = service.scorecard(session, policy, now=now)
    labels = {
        row.stats.name: stage_label(policy, row.stats.name)
        if row.stats.kind == "stage"
        else label_name(row.stats.name, routes)
        for row in rows
    }
    return messages.scorecard_lines(rows, labels, policy.scorecard.weeks)


def goal_lines(db: Database, policy: Policy, *, now: datetime) -> list[str]:
    with db.read() as session:
        progress = service.goal_progress(session, policy, now=now)
    return ["*How the team is doing against its goals*", *messages.goal_lines(progress)]
