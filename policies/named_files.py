"""The files a policy names, `compliance.rules_file`, `intake.taxonomy_file` and
`assets.checklists_file` (optional), relative to the policy file: each must be there and load, or
the policy is refused like any other broken setting.

Without this a typo loaded fine, every new brief was then gated as "rules unreadable" and the
server's path to the missing file was shown in Slack. Errors name the key and the file name as
written in the policy, never a path on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies.checklists import Checklists, agreement_errors, load_checklists
from policies.compliance import ComplianceRules, lint, load_rules
from policies.intake_schema import IntakeTaxonomy, load_intake
from policies.schema import Compliance, Intake, Policy
from policies.yaml_files import PolicyError


@dataclass(frozen=True)
class NamedFile:
    section: str  # compliance
    setting: str  # rules_file
    default: str | None  # None: the file is optional
    load: Callable[[Path], Any]
    # What in the loaded file the policy must agree with (a stage a finding needs, a group).
    agrees: Callable[[Any, Policy], list[str]]

    @property
    def key(self) -> str:
        return f"{self.section}.{self.setting}"


def _rules_agree(rules: ComplianceRules, policy: Policy) -> list[str]:
    """Every stage a finding can require is one the policy says who approves."""
    known = {*policy.stage_names, *policy.compliance.gate_stages}
    needing: dict[str, list[str]] = {}
    for name, category in rules.categories.items():
        if category.approver_stage not in known:
            needing.setdefault(category.approver_stage, []).append(name)
    return [
        f"categories {', '.join(names)}: approver_stage '{stage}' is neither a stage of "
        "workflows.brief nor one of compliance.gate_stages, so nobody is named to approve it"
        for stage, names in needing.items()
    ]


def _taxonomy_agrees(taxonomy: IntakeTaxonomy, policy: Policy) -> list[str]:
    """Every team a request is routed to is a group the policy declares."""
    return [
        f"labels.{name}.route.owner_group: '{label.route.owner_group}' is not declared under "
        "groups in the policy"
        for name, label in taxonomy.labels.items()
        if label.route.owner_group not in policy.groups
    ]


def _checklists_agree(checklists: Checklists, policy: Policy) -> list[str]:
    """Stages the policy has, owner groups it declares."""
    stages = [*policy.stage_names, *policy.compliance.gate_stages]
    return agreement_errors(checklists, stages, set(policy.groups))


NAMED_FILES = (
    NamedFile(
        "compliance",
        "rules_file",
        Compliance.model_fields["rules_file"].default,
        load_rules,
        _rules_agree,
    ),
    NamedFile(
        "intake",
        "taxonomy_file",
        Intake.model_fields["taxonomy_file"].default,
        load_intake,
        _taxonomy_agrees,
    ),
    NamedFile("assets", "checklists_file", None, load_checklists, _checklists_agree),
)


def named_file_errors(data: dict[str, Any], folder: Path, policy: Policy | None) -> list[str]:
    """Every problem with the files the policy mapping `data` names, looked up from `folder`;
    with the validated `policy`, also where a file and the policy disagree."""
    errors: list[str] = []
    loaded_files: dict[str, tuple[str, Any]] = {}
    for named in NAMED_FILES:
        section = data.get(named.section)
        value = section.get(named.setting, named.default) if isinstance(section, dict) else None
        if section is None:
            value = named.default
        if not isinstance(value, str) or not value.strip():
            continue  # not a file name: the policy's own validation says so
        written = Path(value)
        path = written if written.is_absolute() else folder / written
        shown = written.name if written.is_absolute() else value
        if not path.is_file():
            errors.append(
                f"{named.key}: there is no file '{shown}' (it is read from the policy's folder)"
            )
            continue
        try:
            loaded = named.load(path)
        except PolicyError as exc:
            errors += [
                f"{named.key} ({shown}): {error.removeprefix(f'{path}: ')}" for error in exc.errors
            ]
            continue
        loaded_files[named.key] = (shown, loaded)
        if policy is not None:
            errors += [f"{named.key} ({shown}): {error}" for error in named.agrees(loaded, policy)]
    if "compliance.rules_file" in loaded_files and "intake.taxonomy_file" in loaded_files:
        shown, taxonomy = loaded_files["intake.taxonomy_file"]
        errors += [
            f"intake.taxonomy_file ({shown}): {error}"
            for error in replies_lint_clean(taxonomy, loaded_files["compliance.rules_file"][1])
        ]
    return errors


def taxonomy_errors(
    taxonomy: IntakeTaxonomy, policy: Policy, rules: ComplianceRules | None
) -> list[str]:
    """The checks a policy's load makes of its taxonomy, for one read later: the running bot
    reads intake.yaml again when it changes, and a reply saved there goes out with nobody
    reviewing it. Without readable rules (the gate then sends briefs to people) no reply check."""
    errors = _taxonomy_agrees(taxonomy, policy)
    if rules is not None:
        errors += replies_lint_clean(taxonomy, rules)
    return errors


def replies_lint_clean(taxonomy: IntakeTaxonomy, rules: ComplianceRules) -> list[str]:
    """A pre-approved reply goes out with nobody reviewing it: the compliance lint must find no
    regulated claim in it."""
    problems = []
    for name, reply in taxonomy.replies().items():
        findings = lint(reply.text, rules).findings
        if findings:
            found = "; ".join(f"{f.label} (“{f.matched}”)" for f in findings)
            problems.append(
                f"labels.{name}.reply.text: the compliance rules flag it: {found}. A reply is "
                "sent without review, so it must lint clean"
            )
    return problems
