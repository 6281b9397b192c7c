"""Regulated-content lint: which claims in marketing copy need whose approval, and channel checks.

    rules = load_rules(DEFAULT_RULES_PATH)
    result = lint("Guaranteed 12% returns!", rules, channel="sms")
    result.findings, result.channel_issues, result.categories, result.regulated

Pure: no database, no Slack, no clock. The rules (policies/compliance.yaml) are validated and
compiled once at load; lint() only runs the compiled patterns.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from policies.compliance.channels import ChannelIssue, UnknownChannelError
from policies.compliance.examples import LabelledExamples, load_examples
from policies.compliance.matcher import CompiledRules, Finding, LintResult
from policies.compliance.schema import SEVERITY_ORDER, ComplianceRules
from policies.yaml_files import PolicyError, content_version, format_errors, problems_in, read_yaml

DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "compliance.yaml"

__all__ = [
    "DEFAULT_RULES_PATH",
    "SEVERITY_ORDER",
    "ChannelIssue",
    "ComplianceRules",
    "ComplianceRulesError",
    "Finding",
    "LabelledExamples",
    "LintResult",
    "UnknownChannelError",
    "check_rules_file",
    "lint",
    "load_rules",
    "parse_rules",
    "resolve_channel",
]


class ComplianceRulesError(PolicyError):
    """The rules file can't be used; `.errors` lists every problem as `path: message`."""


def load_rules(path: Path | str = DEFAULT_RULES_PATH) -> ComplianceRules:
    """Read, validate and compile a rules file, and read the labelled examples it names;
    raises ComplianceRulesError with every error."""
    path = Path(path)
    try:
        data, raw = read_yaml(path)
    except PolicyError as exc:
        raise ComplianceRulesError(exc.errors) from None
    return parse_rules(data, version=content_version(raw), source=str(path), folder=path.parent)


def parse_rules(
    data: object, *, version: str = "unversioned", source: str = "", folder: Path | None = None
) -> ComplianceRules:
    """Validate an already parsed rules mapping (tests, or rules kept elsewhere). The semantic
    layer's examples file is read from `folder`; without one the rules have no examples."""
    if not isinstance(data, dict):
        raise ComplianceRulesError([f"{source or 'rules'}: expected a mapping at the top level"])
    try:
        rules = ComplianceRules.model_validate(data)
    except ValidationError as exc:
        raise ComplianceRulesError(format_errors(exc)) from None
    rules._version = version
    if rules.semantic is not None and folder is not None:
        written = rules.semantic.examples_file
        try:
            rules._examples = load_examples(
                folder / written, list(rules.categories), f"semantic.examples_file ({written})"
            )
        except PolicyError as exc:
            raise ComplianceRulesError(exc.errors) from None
        # A new example changes what is found: the version every decision records says so.
        rules._version = content_version(f"{version} {rules._examples.version}".encode())
    # Compiled once here, so that lint() only runs ready regexes (see matcher).
    rules._compiled = CompiledRules.build(rules)
    return rules


def check_rules_file(path: Path | str) -> list[str]:
    """Every error in a rules file, or [] when it loads."""
    return problems_in(load_rules, path)


def resolve_channel(rules: ComplianceRules, name: str) -> str:
    """The channel `name` stands for; UnknownChannelError listing the known ones otherwise."""
    channel = rules.channel_named(name)
    if channel is None:
        raise UnknownChannelError(name, sorted(rules.channels))
    return channel


def lint(text: str, rules: ComplianceRules, channel: str | None = None) -> LintResult:
    """The regulated claims in `text`, and, for a channel, its length/required/tone issues.

    `channel` may be a channel's name or alias in any case ("X", "twitter" for x_post); the
    result names the channel as the rules do. Raises UnknownChannelError for any other name."""
    compiled: CompiledRules = rules._compiled
    if channel is not None:
        channel = resolve_channel(rules, channel)
    issues = compiled.channels.check(text, channel) if channel is not None else []
    return LintResult(
        findings=compiled.find(text),
        channel_issues=issues,
        rules_version=rules.version,
        channel=channel,
    )
