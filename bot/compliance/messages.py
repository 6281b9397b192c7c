"""What a brief's thread shows about compliance: the findings of a (re)submission, field by field."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot.briefs import messages
from bot.briefs.models import Brief
from bot.compliance.findings import BriefLint, FieldFinding, by_category
from bot.slack import blocks
from bot.slack.blocks import escape
from policies import access
from policies.compliance import ComplianceRules, Finding, LintResult
from policies.schema import Policy

MAX_SHOWN = 10  # one section per category; Slack allows 50 blocks, people read far fewer
MAX_SPAN = 200


def approvers_of(policy: Policy, stage: str) -> str:
    return access.describe_approvers(access.stage_approver_refs(policy, stage), policy)


def summary(
    policy: Policy, brief: Brief, review: BriefLint, gates: list[str], kept: list[str]
) -> str:
    stages = ", ".join(
        f"*{messages.stage_label(policy, stage)}* ({approvers_of(policy, stage)})"
        for stage in gates
    )
    if review.rules_error:
        # The error itself names a file on the server: it stays in the audit trail, not here.
        return (
            f":warning: *Compliance check*: I couldn't read the compliance rules, so this brief "
            f"needs {stages} approval as a precaution. An ops admin should check the rules file "
            f"(`mopsbot policy check` lists what is wrong)."
        )
    if not review.findings:
        return (
            f":warning: *Compliance check*: the edit has no regulated claims any more, but "
            f"{stages} stays in this brief's review: it was added in an earlier round, and only "
            f"its approvers can clear it."
        )
    count = len(review.findings)
    text = (
        f":warning: *Compliance check*: {count} regulated claim{'s' if count > 1 else ''} "
        f"({', '.join(review.labels)}). This brief needs {stages} approval before it can be "
        f"scheduled."
    )
    if kept:
        text += (
            " "
            + ", ".join(f"*{messages.stage_label(policy, s)}*" for s in kept)
            + " stays from an earlier round."
        )
    return text


def found_by(finding: Finding) -> str:
    """For a model finding, why: how sure, and the labelled example it reads like."""
    if finding.layer != "model" or finding.score is None:
        return ""
    nearest = escape((finding.nearest or "")[:MAX_SPAN])
    return (
        f"Found by meaning, not by a listed phrase ({blocks.sure(finding.score)}); it reads like "
        f"the example “{nearest}”\n"
    )


def reasons(
    findings: list[Finding],
    name: Callable[[Finding], str],
    shape: Callable[[str], str] = lambda reason: reason,
) -> str:
    """Each model finding's `found_by` reason, `shape`d; with more than one finding, each
    prefixed by the words it is about (`name`), so a reader knows which phrase it explains."""
    return "".join(
        (f"{name(finding)}: " if len(findings) > 1 else "") + shape(reason)
        for finding in findings
        if (reason := found_by(finding))
    )


def _in_a_line(reason: str) -> str:
    """A `found_by` reason inside a bullet: a full stop after the quoted example unless the
    example ends a sentence itself (“...coach.” not “...coach.”.)."""
    reason = reason.rstrip("\n")
    return f"{reason} " if reason.endswith((".”", "!”", "?”")) else f"{reason}. "


def quoted(finding: Finding) -> str:
    return f"“{escape(finding.matched[:MAX_SPAN])}”"


def category_text(policy: Policy, items: list[FieldFinding]) -> str:
    """One category's note: where it was found, field by field, why (for the model's finds), the
    guidance once, and who approves."""
    first = items[0].finding
    fields: dict[str, list[Finding]] = {}
    for item in items:
        fields.setdefault(item.field_label, []).append(item.finding)
    where = " · ".join(
        f"*{escape(label)}*: {', '.join(quoted(f) for f in found)}"
        for label, found in fields.items()
    )
    why = reasons([item.finding for item in items], quoted)
    return (
        f"*{escape(first.label)}* ({first.severity}) · {where}\n"
        f"{why}"
        f"{escape(first.guidance)}\n"
        f"Approver: {approvers_of(policy, first.approver_stage)} "
        f"(*{messages.stage_label(policy, first.approver_stage)}*)"
    )


def post(
    session: Session,
    policy: Policy,
    brief: Brief,
    review: BriefLint,
    *,
    gates: list[str],
    kept: list[str],
) -> None:
    """One thread reply: the summary, a section per category found, and the rules version."""
    text = summary(policy, brief, review, gates, kept)
    groups = by_category(review.findings, lambda item: item.finding)
    shown = groups[:MAX_SHOWN]
    extra: list[Block] = [blocks.section(category_text(policy, group)) for group in shown]
    more = sum(len(group) for group in groups[MAX_SHOWN:])
    notes = [f"Rules version {review.rules_version}"] + ([f"{more} more not shown"] if more else [])
    extra.append(blocks.context(" · ".join(notes)))
    messages.reply(session, brief, text, extra_blocks=blocks.to_dicts(extra))


def counted(count: int, thing: str) -> str:
    return f"{count} {thing}{'' if count == 1 else 's'}"


def lint_answer(policy: Policy, rules: ComplianceRules, result: LintResult) -> str:
    """`/mops lint`'s answer: a heading that counts what the bullets below it list."""
    where = f" for *{rules.channels[result.channel].label}*" if result.channel else ""
    if result.clean:
        issues = f" or {rules.channels[result.channel].label} issues" if result.channel else ""
        return f":white_check_mark: No regulated claims{issues} found."
    counts = []
    if result.findings:
        counts.append(counted(len(result.findings), "regulated claim"))
    if result.channel_issues:
        counts.append(counted(len(result.channel_issues), "channel issue"))
    lines = [f"*{' and '.join(counts)}*{where}"]
    # A bullet per category, its phrases together: the guidance once, however often it is due.
    for group in by_category(result.findings, lambda finding: finding):
        first = group[0]
        spans = ", ".join(f"`{escape(finding.matched)}`" for finding in group)
        why = reasons(group, lambda f: f"`{escape(f.matched[:MAX_SPAN])}`", _in_a_line)
        lines.append(
            f"• {spans}: *{escape(first.label)}* ({first.severity}). "
            f"{escape(first.guidance)} {why}Needs approval from "
            f"*{escape(messages.stage_label(policy, first.approver_stage))}* "
            f"({approvers_of(policy, first.approver_stage)})."
        )
    lines += [
        f"• {escape(issue.message[:1].upper() + issue.message[1:])}"
        for issue in result.channel_issues
    ]
    return "\n".join(lines)
