"""Which domain reacts to which, in one place: called at start-up (Runtime.build), not by imports.

A brief's (re)submission asks the compliance gate which stages to add and then records its
findings; every move of a brief re-plans its SLA reminders, and its approval creates its pipeline tasks; a brief's full view says where it stands
against its SLA. Briefs can't call those domains
itself (both import briefs), so it runs the reactions it is given here.
"""

from __future__ import annotations

from bot.briefs import reactions
from bot.compliance import history as compliance_history
from bot.compliance import service as compliance
from bot.pipeline import launches
from bot.pipeline import service as pipeline
from bot.sla import reminders, status

BRIEF_REACTIONS = reactions.Reactions(
    plan_stages=(compliance.plan_gate,),
    after_submit=(compliance.record_gate,),
    on_change=(reminders.replan, pipeline.on_brief_change, launches.on_brief_change),
    describe=(compliance_history.describe,),
    standing=(status.standing_lines,),
)


def wire() -> None:
    """Connect the domains. Idempotent: every runtime (and the test suite) may call it."""
    reactions.connect(BRIEF_REACTIONS)
