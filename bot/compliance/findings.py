"""What the compliance linter found in a brief: plain values, shared by the gate and its messages;
and how any decision the lint drove (a brief's gate, a variant's approvers, a caption's check)
names what judged it in the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from bot.slack.blocks import sure
from policies.compliance import ComplianceRules, Finding, LintResult

# The rules version an audit event records when the rules could not be read: nothing was linted.
UNREADABLE_RULES = "unreadable"

Item = TypeVar("Item")


@dataclass(frozen=True)
class FieldFinding:
    field_id: str
    field_label: str
    finding: Finding


@dataclass(frozen=True)
class BriefLint:
    """What the linter found in a brief's text fields, under one version of the rules."""

    findings: list[FieldFinding]
    rules_version: str
    rules_error: str | None = None  # the rules could not be read: treated as flagged
    # The models that read its fields (`models_of` their lints), for the audit trail.
    models: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return bool(self.findings) or self.rules_error is not None

    @property
    def categories(self) -> list[str]:
        return sorted({item.finding.category for item in self.findings})

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(item.finding.label for item in self.findings))

    @property
    def required_stages(self) -> list[str]:
        return list(dict.fromkeys(item.finding.approver_stage for item in self.findings))


def models_of(results: Iterable[LintResult | None]) -> tuple[str, ...]:
    """The models that read these lints' texts (LintResult.model, which names each of its
    findings too), in order, once each: what an audit event of the decision records as `models`.
    One, or none for patterns only (rules without a semantic layer) or no text linted (None: no
    lint); two when the lint switched to the tuned model between texts. A model that read a text
    and found nothing is named too: it judged the text clean, and the tuned one may not."""
    return tuple(dict.fromkeys(r.model for r in results if r is not None and r.model is not None))


def judged_by(
    rules: ComplianceRules | None, results: Iterable[LintResult | None]
) -> dict[str, object]:
    """What decided a variant's approvers or a caption's check, for its audit event, as the brief
    gate records it: the rules' version and the models that read the texts. Events recorded
    before they were have neither."""
    return {
        "rules_version": rules.version if rules is not None else UNREADABLE_RULES,
        "models": list(models_of(results)),
    }


def called(finding: Finding) -> str:
    """What a finding says its words are, for a one-line note: "is a pricing or offer claim" for
    a pattern's listed phrase; "reads as a health claim (87% sure)" for the model, which judges a
    whole sentence by its meaning and can be wrong."""
    kind = a_claim(finding.label)
    if finding.layer == "model" and finding.score is not None:
        return f"reads as {kind} ({sure(finding.score)})"
    return f"is {kind}"


def a_claim(label: str) -> str:
    """A category's label as a noun phrase: "a health claim", "an endorsement or testimonial
    claim", "a financial promise" (labels name a kind of claim, not always with the word)."""
    words = label.lower()
    if not words.endswith(("claim", "promise")):
        words += " claim"
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def by_category(items: list[Item], finding_of: Callable[[Item], Finding]) -> list[list[Item]]:
    """The findings of each category together, in the order the categories were first found:
    one note and its guidance per kind of claim, however many times the copy makes it (three
    pricing phrases read as one pricing note, not the same advice three times on a phone)."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(finding_of(item).category, []).append(item)
    return list(groups.values())


def claim_notes(findings: list[Finding], escape: Callable[[str], str] = str) -> list[str]:
    """One note per kind of claim for a caption or a variant: each phrase and what it is, then
    the guidance once ("“Clinically proven” is a health claim, “melt fat” is a health claim:
    Claims that a product cures..."). `escape` makes the phrases and guidance safe for Slack."""
    return [
        ", ".join(f"\u201c{escape(f.matched)}\u201d {escape(called(f))}" for f in group)
        + f": {escape(group[0].guidance)}"
        for group in by_category(findings, lambda finding: finding)
    ]
