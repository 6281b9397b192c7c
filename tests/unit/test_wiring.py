"""Cross-domain reactions are wired in one place at start-up, once, and not by importing modules."""

from __future__ import annotations

import subprocess
import sys

from bot.app.config import Settings
from bot.app.runtime import Runtime
from bot.app.wiring import BRIEF_REACTIONS, wire
from bot.briefs import reactions as briefs
from bot.compliance import service as compliance
from bot.pipeline import launches
from bot.pipeline import service as pipeline
from bot.pipeline.checklists import messages as checklist_messages
from bot.pipeline.checklists import service as checklists
from bot.sla import reminders
from bot.storage.database import Database


def test_two_runtimes_wire_the_brief_reactions_once(db: Database) -> None:
    for _ in range(2):
        runtime = Runtime.build(Settings(database_url=db.url, slack_bot_token="xoxb-test"))
        runtime.db.dispose()
    reactions = briefs.connected()
    assert reactions == BRIEF_REACTIONS
    assert reactions.plan_stages == (compliance.plan_gate,)
    assert reactions.after_submit == (compliance.record_gate, checklist_messages.post_checklist)
    assert reactions.on_change == (
        reminders.replan,
        pipeline.on_brief_change,
        launches.on_brief_change,
    )
    assert reactions.leave_stage == (checklists.exit_refusal,)


def test_wiring_twice_is_wiring_once() -> None:
    wire()
    wire()
    assert briefs.connected() == BRIEF_REACTIONS


def test_importing_the_domains_wires_nothing() -> None:
    # A fresh interpreter: importing every domain that used to register itself leaves the brief
    # service without reactions until someone calls wire().
    code = (
        "import bot.compliance.service, bot.sla.reminders, bot.intake.service, "
        "bot.digests.service, bot.app.runtime\n"
        "from bot.briefs import reactions\n"
        "assert reactions.connected() == reactions.Reactions(), reactions.connected()\n"
        "from bot.app.wiring import wire, BRIEF_REACTIONS\n"
        "wire()\n"
        "assert reactions.connected() == BRIEF_REACTIONS\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
