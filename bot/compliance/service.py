"""The compliance gate on briefs: lint a brief's words, add the approval stages its claims need,
record why in the audit trail and show the findings in its thread.

Wired into the brief service at start-up (bot.app.wiring): `plan_gate` adds the gate stages before
a (re)submission enters review; `record_gate` writes the audit event and the thread reply once the
brief is posted.
Other flows that act on text (intake routing) ask `needs_human` first.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.compliance import background, layers, messages
from bot.compliance.findings import UNREADABLE_RULES, BriefLint, FieldFinding, models_of
from bot.compliance.layers import lint_text
from policies import access
from policies.compliance import (
    ComplianceRules,
    ComplianceRulesError,
    LintResult,
    lint,
    load_rules,
)
from policies.schema import Policy

GATE_EVENT = "compliance_gate"


_lock = threading.Lock()
_loaded: dict[tuple[str, int], ComplianceRules] = {}


def rules_for(policy: Policy) -> ComplianceRules:
    """The rules file the policy names, as it is on disk now (compiled once per change: ~0.15 s)."""
    path = policy.beside(policy.compliance.rules_file)
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError:
        key = (str(path), -1)  # load_rules reports the missing file
    with _lock:
        if key not in _loaded:
            _loaded[key] = load_rules(path)
        return _loaded[key]


def readable_rules(policy: Policy) -> ComplianceRules | None:
    """`rules_for`, or None when the file can't be read (whoever asks says what that means: a
    variant goes to every gate stage, a caption stays open)."""
    try:
        return rules_for(policy)
    except ComplianceRulesError:
        return None


class LintReadiness(StrEnum):
    """Whether a lint of the policy's rules answers at once, and why."""

    UNREADABLE_RULES = "unreadable_rules"  # answered at once, with that; waiting won't mend them
    NO_MODEL = "no_model"  # the rules have no semantic layer: patterns only
    LOADED = "loaded"  # the semantic model is in memory
    LOADING = "loading"  # the warm-up is still loading (or training) it

    @property
    def ready(self) -> bool:
        return self is not LintReadiness.LOADING


def lint_readiness(policy: Policy) -> LintReadiness:
    """Does a lint answer at once, or wait for the compliance model (loaded a few seconds after a
    start; exported and trained, tens of seconds, on the first start or after the examples
    change)? `/mops lint` and the brief forms ask it before they answer, `/readyz` words it."""
    try:
        rules = rules_for(policy)
    except ComplianceRulesError:
        return LintReadiness.UNREADABLE_RULES
    if not layers.ready(rules):
        return LintReadiness.LOADING
    return LintReadiness.NO_MODEL if rules.semantic is None else LintReadiness.LOADED


def tuning_in_background() -> bool:
    """True while this bot fine-tunes the lint's encoder in its child process (minutes, after a
    first start or a change of the examples); the frozen encoder's model answers meanwhile."""
    return bool(background.running())


def needs_human(policy: Policy, text: str) -> LintResult | None:
    """The findings when `text` makes a regulated claim (a person must confirm before the bot
    acts on it), or None when it is clean. Raises ComplianceRulesError when the rules can't be
    read; treat that as needing a human too.

    Patterns only: the semantic model learned from marketing copy, and reads a request to the
    team ("Please update the pricing page copy") as the offer it talks about."""
    result = lint(text, rules_for(policy))
    return result if result.regulated else None


def lint_brief(policy: Policy, fields: dict[str, Any]) -> BriefLint:
    """The brief's copy, linted by both layers (patterns, then the semantic model): every text
    and textarea field of its template except those the policy marks `lint: false` (notes to
    the reviewers); findings in form order."""
    try:
        rules = rules_for(policy)
    except ComplianceRulesError as exc:
        return BriefLint(
            [], UNREADABLE_RULES, rules_error=exc.errors[0] if exc.errors else str(exc)
        )
    found = []
    results = []
    for field in policy.workflows.brief.template.fields:
        value = fields.get(field.id)
        if field.linted and isinstance(value, str) and value.strip():
            result = lint_text(value, rules)
            found += [FieldFinding(field.id, field.label, f) for f in result.findings]
            results.append(result)
    return BriefLint(found, rules.version, models=models_of(results))


def gate_stages(policy: Policy, review: BriefLint, earlier: list[str]) -> list[str]:
    """The stages the brief's review must include because of compliance, in order.

    Unreadable rules gate every configured stage: a brief nobody could check is checked by
    people. Gates from earlier rounds stay (see `earlier_gates`)."""
    needed = list(policy.compliance.gate_stages) if review.rules_error else review.required_stages
    return list(dict.fromkeys([*needed, *earlier]))


def earlier_gates(session: Session, brief_id: int) -> list[str]:
    """Gate stages added to this brief in any earlier round.

    An edit that no longer trips the linter keeps them: rewording a claim until the patterns
    miss it is the easiest way around a pattern linter, so the gate's approvers see the edit
    and judge it. The audit trail is the record, so nothing else has to remember them."""
    details = session.scalars(
        select(AuditEvent.detail)
        .where(AuditEvent.brief_id == brief_id, AuditEvent.action == GATE_EVENT)
        .order_by(AuditEvent.id)
    )
    return list(
        dict.fromkeys(
            stage for detail in details for stage in (detail or {}).get("gate_stages", [])
        )
    )


def _review(session: Session, policy: Policy, brief: Brief) -> BriefLint:
    """The brief's lint, once per transaction and content: planning the stages and recording
    them both need it, in the same submit."""
    key = (brief.id, policy.version, json.dumps(brief.fields, sort_keys=True, default=str))
    reviews: dict = session.info.setdefault("compliance_reviews", {})
    if key not in reviews:
        reviews[key] = lint_brief(policy, brief.fields)
    return reviews[key]


def plan_gate(session: Session, policy: Policy, brief: Brief, now: datetime) -> list[str]:
    return gate_stages(policy, _review(session, policy, brief), earlier_gates(session, brief.id))


def record_gate(session: Session, policy: Policy, brief: Brief, now: datetime) -> None:
    """The audit event and the thread reply for this round; a clean brief gets neither."""
    review = _review(session, policy, brief)
    earlier = earlier_gates(session, brief.id)
    gates = gate_stages(policy, review, earlier)
    if not gates and not review.flagged:
        return
    kept = [
        stage for stage in earlier if stage not in review.required_stages and not review.rules_error
    ]
    added = [stage for stage in gates if stage not in policy.stage_names]
    audit.record(
        session,
        brief_id=brief.id,
        actor_id=brief.requester_id,
        action=GATE_EVENT,
        to_state=brief.state,
        round=brief.round,
        reason=f"Regulated claims: {', '.join(review.labels)}"
        if review.findings
        else (
            "The compliance rules could not be read"
            if review.rules_error
            else "Review kept from an earlier round"
        ),
        policy_version=policy.version,
        template_version=brief.template_version,
        at=now,
        detail={
            "categories": review.categories,
            "rules_version": review.rules_version,
            "rules_error": review.rules_error,
            "models": list(review.models),  # absent from events recorded before it was
            "gate_stages": gates,
            "added_stages": added,
            "kept_stages": kept,
            "findings": [
                {
                    "field": item.field_id,
                    "category": item.finding.category,
                    "start": item.finding.start,
                    "end": item.finding.end,
                    "matched": item.finding.matched,
                    "layer": item.finding.layer,
                    **(
                        {
                            "score": round(item.finding.score, 3),
                            "nearest": item.finding.nearest,
                            "model": item.finding.model,
                        }
                        if item.finding.score is not None
                        else {}
                    ),
                }
                for item in review.findings
            ],
        },
    )
    messages.post(session, policy, brief, review, gates=gates, kept=kept)


def reviewers_for(policy: Policy, findings: LintResult | None) -> list[str]:
    """Who must review text with these findings before it is published: the approvers of each
    finding's stage (legal for a financial promise), as the brief gate would add them. None
    (rules that could not be read) means every gate stage's approvers."""
    stages = (
        sorted(findings.approver_stages) if findings is not None else policy.compliance.gate_stages
    )
    return list(
        dict.fromkeys(ref for stage in stages for ref in access.stage_approver_refs(policy, stage))
    )
