"""Channel checks from policy: length limits, required text (SMS opt-out), tone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from policies.compliance.phrases import compile_phrase
from policies.compliance.schema import ChannelRule, ComplianceRules
from policies.compliance.tone import ProfanityList, readability

# GSM 03.38: an SMS in these characters holds 160; one other character makes it UCS-2 (70).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")  # sent as two characters each
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


class UnknownChannelError(ValueError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown channel '{name}' (known: {', '.join(known) or 'none'})")
        self.name = name


@dataclass(frozen=True, slots=True)
class ChannelIssue:
    check: str  # length | required | readability | profanity
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "message": self.message}


class ChannelChecks:
    """The channel rules of one rules file, with their required patterns compiled."""

    def __init__(self, rules: ComplianceRules) -> None:
        self._rules = rules
        terms = {name: list(phrases) for name, phrases in rules.terms.items()}
        self._required = {
            name: [
                (re.compile(compile_phrase(r.pattern, terms), re.IGNORECASE), r.message)
                for r in rule.required
            ]
            for name, rule in rules.channels.items()
        }

    @cached_property
    def _profanity(self) -> ProfanityList:
        return ProfanityList(self._rules.profanity.allow)

    def check(self, text: str, name: str) -> list[ChannelIssue]:
        rule = self._rules.channels.get(name)
        if rule is None:
            raise UnknownChannelError(name, sorted(self._rules.channels))
        issues = _length(text, rule)
        issues += [
            ChannelIssue("required", message)
            for pattern, message in self._required[name]
            if not pattern.search(text)
        ]
        if rule.readability is not None:
            issues += _readability(text, rule)
        if rule.profanity and (words := self._profanity.find(text)):
            quoted = ", ".join(f"'{w}'" for w in words)
            issues.append(
                ChannelIssue("profanity", f"{quoted} may offend: {rule.label} copy should be clean")
            )
        return issues


def _length(text: str, rule: ChannelRule) -> list[ChannelIssue]:
    if rule.max_length is None:
        return []
    length, limit, why = len(text), rule.max_length, ""
    if rule.url_length is not None:
        length = len(_URL.sub("x" * rule.url_length, text))
        why = f" (each link counts as {rule.url_length})" if _URL.search(text) else ""
    if rule.max_length_unicode is not None:
        other = sorted({c for c in text if c not in _GSM_BASIC and c not in _GSM_EXTENDED})
        if other:
            limit = rule.max_length_unicode
            shown = " ".join(other[:5])
            why = f" because {shown} {'is' if len(other) == 1 else 'are'} outside GSM-7"
        else:
            length += sum(1 for c in text if c in _GSM_EXTENDED)
    if length <= limit:
        return []
    return [
        ChannelIssue(
            "length",
            f"{rule.label} is {length} characters; the limit is {limit}{why}: cut {length - limit}",
        )
    ]


def _readability(text: str, rule: ChannelRule) -> list[ChannelIssue]:
    limits = rule.readability
    scores = readability(text)
    if limits is None or scores is None or scores.words < limits.min_words:
        return []
    hint = "shorter sentences and plainer words help"
    issues = []
    if limits.min_reading_ease is not None and scores.reading_ease < limits.min_reading_ease:
        issues.append(
            ChannelIssue(
                "readability",
                f"reading ease {scores.reading_ease:.0f} is below {limits.min_reading_ease:g} "
                f"for {rule.label}: {hint}",
            )
        )
    if limits.max_grade is not None and scores.grade > limits.max_grade:
        issues.append(
            ChannelIssue(
                "readability",
                f"reading grade {scores.grade:.1f} is above {limits.max_grade:g} "
                f"for {rule.label}: {hint}",
            )
        )
    return issues
