"""Which domain reacts to which, in one place: called at start-up (Runtime.build), not by imports.

A brief's (re)submission asks the compliance gate which stages to add and then records its
findings, then posts its stage checklists; every move of a brief re-plans its SLA reminders, and
its approval creates its pipeline tasks; a brief's full view says where it stands against its
SLA; a brief leaves a review stage (its last approval) only when the stage's checklist has no
required item open (the launch's checklist is one of bot.pipeline.launch's blockers). Briefs can't call those domains
itself (both import briefs), so it runs the reactions it is given here.
"""

from __future__ import annotations

from bot.briefs import reactions
from bot.compliance import history as compliance_history
from bot.compliance import service as compliance
from bot.pipeline import events as pipeline_events
from bot.pipeline import history as pipeline_history
from bot.pipeline import launches
from bot.pipeline import service as pipeline
from bot.pipeline.checklists import messages as checklist_messages
from bot.pipeline.checklists import service as checklists
from bot.sla import reminders, status

BRIEF_REACTIONS = reactions.Reactions(
    plan_stages=(compliance.plan_gate,),
    after_submit=(compliance.record_gate, checklist_messages.post_checklist),
    on_change=(reminders.replan, pipeline.on_brief_change, launches.on_brief_change),
    describe=(compliance_history.describe, pipeline_history.describe, pipeline_events.describe),
    standing=(status.standing_lines,),
    leave_stage=(checklists.exit_refusal,),
)


def wire() -> None:
    """Connect the domains. Idempotent: every runtime (and the test suite) may call it."""
    reactions.connect(BRIEF_REACTIONS)
