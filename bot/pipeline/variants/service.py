"""Channel variants of a brief: drafted by the bot, edited and accepted by a person.

`store_drafts` keeps the bot's drafts (replacing earlier ones not yet accepted); nothing is
queued or marked ready until a person accepts a variant (`accept`), with its text measured as
its channel counts and linted. A variant with a regulated claim goes through the compliance
gate: only the approvers of the stage its finding needs (e.g. @legal-team) may accept it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs.models import Brief
from bot.briefs.service import Actor, Outcome
from bot.compliance.findings import judged_by
from bot.compliance.layers import lint_text
from bot.compliance.service import readable_rules
from bot.pipeline import events
from bot.pipeline.readiness_models import Variant
from bot.pipeline.variants.counting import measure
from bot.pipeline.variants.drafting import Draft
from bot.slack.text import UserName
from policies import access
from policies.compliance import ComplianceRules, LintResult
from policies.schema import Policy
from policies.variants import VariantChannel

DRAFTED, ACCEPTED = "drafted", "accepted"


def may_draft(policy: Policy, brief: Brief, actor: Actor) -> bool:
    """The requester and ops admins ask for drafts and accept plain ones."""
    return actor.user_id == brief.requester_id or access.is_ops_admin(
        policy, actor.user_id, set(actor.group_ids)
    )


def draft_refusal(session: Session, policy: Policy, brief_id: int, actor: Actor) -> str | None:
    brief = session.get(Brief, brief_id)
    if brief is None:
        return f"There is no brief #{brief_id}."
    if not may_draft(policy, brief, actor):
        return f"Only <@{brief.requester_id}> or an ops admin can ask for variants of brief #{brief.id}."
    if brief.state in ("rejected", "cancelled", "live"):
        return f"Brief #{brief.id} is closed ({brief.state}); no variants are drafted for it."
    if not channels_of(policy, brief):
        answer = brief.fields.get(policy.variants.brief_field)
        return (
            f"Brief #{brief.id}'s channel ({answer or 'none'}) needs no channel variants; "
            "the policy's `variants.for_brief` says which do."
        )
    return None


def channels_of(policy: Policy, brief: Brief) -> list[str]:
    return policy.variants.channels_for(brief.fields.get(policy.variants.brief_field))


def lint_variant(policy: Policy, channel: VariantChannel, text: str) -> LintResult | None:
    """The text's lint; None when the rules can't be read."""
    return _lint(readable_rules(policy), channel, text)


def _lint(rules: ComplianceRules | None, channel: VariantChannel, text: str) -> LintResult | None:
    if rules is None:
        return None
    named = channel.lint_channel if channel.lint_channel in rules.channels else None
    # Both layers, as a brief's copy: a variant is the copy people will see.
    return lint_text(text, rules, channel=named)


def gate_stages(policy: Policy, result: LintResult | None) -> list[str]:
    """The stages whose approvers must accept a variant: its regulated findings' (all gate
    stages when the rules can't be read: nobody could check it)."""
    if result is None:
        return list(policy.compliance.gate_stages)
    return sorted({f.approver_stage for f in result.findings if result.regulated})


def store_drafts(
    session: Session,
    policy: Policy,
    brief: Brief,
    drafts: list[Draft],
    actor_id: str,
    now: datetime,
) -> list[Variant]:
    """The drafts as the brief's variants; an accepted variant is kept, not redrafted."""
    stored = []
    rules = readable_rules(policy)  # once: one version decides every draft
    results: list[LintResult | None] = []
    for draft in drafts:
        variant = session.scalar(
            select(Variant).where(Variant.brief_id == brief.id, Variant.channel == draft.channel)
        )
        if variant is not None and variant.status == ACCEPTED:
            continue
        result = _lint(rules, policy.variants.channels[draft.channel], draft.text)
        results.append(result)
        needs = gate_stages(policy, result)
        if variant is None:
            variant = Variant(brief_id=brief.id, channel=draft.channel, created_at=now)
            session.add(variant)
        variant.drafted_text = draft.text
        variant.text = draft.text
        variant.status = DRAFTED
        variant.needs = needs
        variant.accepted_by = None
        variant.accepted_at = None
        variant.updated_at = now
        stored.append(variant)
    events.record(
        session,
        policy,
        brief,
        actor_id,
        "variants_drafted",
        now,
        {"channels": [d.channel for d in drafts], **judged_by(rules, results)},
    )
    session.flush()
    return stored


@dataclass(frozen=True)
class Refused:
    """Why the edited text can't be accepted, inline under the text box: `words()`.

    A refusal that names who may accept the text instead keeps them as `approvers`, between
    `error` and `then`, and is worded after the transaction: a person's name may be asked of
    Slack, which nobody waiting for the brief (or, on SQLite, to write) should wait on."""

    error: str
    approvers: tuple[str, ...] = ()
    then: str = ""

    def words(self, user_name: UserName | None = None) -> str:
        """Plain text, as a modal's error is shown: no mrkdwn, nobody notified."""
        if not self.approvers:
            return self.error
        return self.error + access.describe_approvers_plain(self.approvers, user_name) + self.then


def accept_refusal(session: Session, policy: Policy, variant_id: int, actor: Actor) -> str | None:
    """Why `actor` may not accept this variant at all (before the edit modal opens)."""
    variant = session.get(Variant, variant_id)
    brief = session.get(Brief, variant.brief_id) if variant is not None else None
    if variant is None or brief is None or variant.channel not in policy.variants.channels:
        return "That variant is no longer there; nothing was done."
    if variant.status == ACCEPTED:
        return f"<@{variant.accepted_by}> already accepted this variant."
    if not may_draft(policy, brief, actor) and not _gate_approver(policy, variant.needs, actor):
        return f"Only <@{brief.requester_id}> or an ops admin can accept variants of brief #{brief.id}."
    return None


def accept(
    session: Session, policy: Policy, variant_id: int, actor: Actor, text: str, now: datetime
) -> Outcome | Refused:
    """A person's final text: within the channel's count, its required text present, and any
    regulated claim accepted by the gate's approvers."""
    refusal = accept_refusal(session, policy, variant_id, actor)
    if refusal is not None:
        return Outcome(False, refusal)
    variant = session.get(Variant, variant_id)
    assert variant is not None
    channel = policy.variants.channels[variant.channel]
    text = text.strip()
    if not text:
        return Refused("Write the variant's text.")
    size = measure(text, channel)
    if not size.fits:
        why = f" ({size.why})" if size.why else ""
        return Refused(
            f"{channel.label} is {size.length} characters as it counts them{why}; the limit is "
            f"{size.limit}: cut {size.length - size.limit}."
        )
    rules = readable_rules(policy)
    result = _lint(rules, channel, text)
    missing = [
        i.message for i in (result.channel_issues if result else []) if i.check == "required"
    ]
    if missing:
        return Refused(f"{channel.label}: {missing[0]}.")
    needs = gate_stages(policy, result)
    if needs and not _gate_approver(policy, needs, actor):
        claims = ", ".join(
            f"“{f.matched}” ({f.label.lower()})" for f in (result.findings if result else [])
        )
        return Refused(
            f"It makes a regulated claim{': ' + claims if claims else ''}, so ",
            approvers=tuple(_gate_refs(policy, needs)),
            then=" accepts it. Reword it, or ask them.",
        )
    variant.text = text
    variant.needs = needs
    variant.status = ACCEPTED
    variant.accepted_by = actor.user_id
    variant.accepted_at = now
    variant.updated_at = now
    brief = session.get(Brief, variant.brief_id)
    assert brief is not None
    events.record(
        session,
        policy,
        brief,
        actor.user_id,
        "variant_accepted",
        now,
        {
            "channel": variant.channel,
            "edited": text != variant.drafted_text,
            **judged_by(rules, [result]),
        },
    )
    session.flush()
    return Outcome(True, f"You accepted the {channel.label} variant.", brief.id)


def _gate_refs(policy: Policy, stages: list[str]) -> list[str]:
    refs: list[str] = []
    for stage in stages:
        refs += policy.compliance.gate_stages.get(stage) or access.stage_approver_refs(
            policy, stage
        )
    return refs


def _gate_approver(policy: Policy, stages: list[str], actor: Actor) -> bool:
    return bool(stages) and access.may_decide(
        _gate_refs(policy, stages), actor.user_id, set(actor.group_ids), policy
    )
