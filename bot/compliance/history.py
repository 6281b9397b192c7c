"""The compliance events of a brief's audit trail in plain words, for people reading its history
(`/brief show`): "compliance check: Legal reviews this brief", not `compliance_gate`.

Briefs render the history but can't import this domain; bot.app.wiring hands them `describe`.
"""

from __future__ import annotations

from bot.audit.models import AuditEvent
from bot.briefs import messages
from bot.compliance.confirmations import ASKED, DECLINED
from bot.compliance.service import GATE_EVENT
from policies.schema import Policy

# An advance a person is asked to confirm, by its Action value.
ASKED_FOR = {"schedule": "scheduled", "go_live": "live"}


def describe(policy: Policy, event: AuditEvent) -> str | None:
    """What a compliance event means, in a few words; None for the events of other domains."""
    detail = event.detail or {}
    if event.action == GATE_EVENT:
        return _gate(policy, detail)
    done = ASKED_FOR.get(str(detail.get("for")), "done")
    if event.action == ASKED:
        return f"asked to mark it {done}: it makes regulated claims, so a person confirms first"
    if event.action == DECLINED:
        return f"cancelled the request to mark it {done}"
    return None


def _gate(policy: Policy, detail: dict) -> str:
    stages = [str(stage) for stage in detail.get("gate_stages") or []]
    who = " and ".join(f"*{messages.stage_label(policy, stage)}*" for stage in stages)
    if detail.get("rules_error"):
        return f"compliance check: the rules couldn't be read, so {who} reviews it as a precaution"
    if not detail.get("categories"):
        return f"compliance check: no regulated claims now, but {who} still reviews it"
    return f"compliance check: it makes regulated claims, so {who} reviews it"
