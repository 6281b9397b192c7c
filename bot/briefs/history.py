"""A brief's audit trail in plain words, for people (`/brief show`): who did what, when (in the
reader's own time zone), with the reason. A brief's own moves are worded here; other domains
word theirs (the compliance check, confirmations) through the `describe` hook that
bot.app.wiring installs, so no reader ever sees `in_review` or `compliance_gate`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.audit.models import AuditEvent
from bot.briefs import reactions
from bot.slack import blocks
from bot.slack.blocks import escape
from bot.slack.text import clip
from policies.schema import Policy

REASON_SHOWN = 500  # characters of a reason in the history; the audit export has all of it

Words = Callable[[Policy, AuditEvent], str]


def _stage(policy: Policy, event: AuditEvent) -> str:
    name = event.stage
    if not name:
        return "its review"
    stage = policy.stage(name)
    return f"*{stage.label if stage else name.replace('_', ' ').title()}*"


def _detail(event: AuditEvent) -> dict[str, Any]:
    return event.detail or {}


def _changed(policy: Policy, event: AuditEvent) -> str:
    changed = list(_detail(event).get("changed") or {})
    if not changed:
        return ""
    labels = [
        (field.label if (field := policy.workflows.brief.template.field(f)) else f) for f in changed
    ]
    return "; changed " + ", ".join(escape(label) for label in labels)


WORDS: dict[str, Words] = {
    "create": lambda p, e: "filed the brief",
    "submit": lambda p, e: "sent it for review",
    "approve": lambda p, e: f"approved {_stage(p, e)}",
    "request_changes": lambda p, e: f"asked for changes at {_stage(p, e)}",
    "reject": lambda p, e: f"rejected it at {_stage(p, e)}",
    "resubmit": lambda p, e: f"resubmitted it (round {e.round}){_changed(p, e)}",
    "cancel": lambda p, e: "cancelled it",
    "reopen": lambda p, e: f"reopened it as a draft (round {e.round})",
    "schedule": lambda p, e: "marked it scheduled",
    "go_live": lambda p, e: "marked it live",
    "assign": lambda p, e: (
        f"handed {_stage(p, e)} to {blocks.user(str(_detail(e).get('assignee')))}"
    ),
}


def event_words(policy: Policy, event: AuditEvent) -> str:
    """What happened, after the actor's name: "approved *Brand*"."""
    words = WORDS.get(event.action)
    said = reactions.describe(policy, event) or (
        words(policy, event) if words else event.action.replace("_", " ")
    )
    if _detail(event).get("override"):
        said += " (ops admin override)"
    if _detail(event).get("on_behalf_of"):
        said += f" for {blocks.user(str(_detail(event)['on_behalf_of']))}"
    if _detail(event).get("confirmed_by") and _detail(event).get("requested_by"):
        said += f", asked by {blocks.user(str(_detail(event)['requested_by']))}"
    return said


# Events the bot records on its own (their actor is whose change caused them): no "who", and
# their reason is the bot's own summary, already said by the words.
BY_THE_BOT = {
    "compliance_gate",
    "tasks_created",
    "task_assigned",
    "launch_waiting",
    "launch_ready",
    "asset_checked",
    "asset_removed",
}


def line(policy: Policy, event: AuditEvent) -> str:
    """One history line: when, who, what, and the reason quoted."""
    when = blocks.local_time(event.at)
    if event.action in BY_THE_BOT:
        return f"• {when} {event_words(policy, event)}"
    reason = f": “{escape(clip(event.reason, REASON_SHOWN))}”" if event.reason else ""
    return f"• {when} {blocks.user(event.actor_id)} {event_words(policy, event)}{reason}"
