"""The compliance rules file's shape (pydantic v2), validated at load with every error's path.

Patterns are checked where they stand, so a broken one is reported as
`categories.health_claim.patterns[2]: invalid regex: ...` while the rest of the file is checked too.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)

from policies.compliance.examples import LabelledExamples
from policies.compliance.phrases import PhraseError, compile_phrase

Severity = Literal["info", "warning", "blocking"]
SEVERITY_ORDER: dict[str, int] = {"info": 0, "warning": 1, "blocking": 2}
NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# Validation context key: the `terms` lists of the file, so a pattern can use <competitor>.
TERMS_KEY = "compliance_terms"
COMPETITOR = "competitor"


def _phrase(value: str, info: ValidationInfo) -> str:
    terms = (info.context or {}).get(TERMS_KEY, {})
    try:
        compile_phrase(value, terms)
    except PhraseError as exc:
        raise ValueError(str(exc)) from None
    return value


def _term_phrase(value: str) -> str:
    if re.search(r"<[a-z]", value) or value.startswith("re:"):
        raise ValueError("a term is a plain phrase (no <shapes>, no re:)")
    try:
        compile_phrase(value)
    except PhraseError as exc:
        raise ValueError(str(exc)) from None
    return value


def _name(value: str) -> str:
    if not NAME.match(value):
        raise ValueError(f"'{value}' is not a snake_case name")
    return value


Phrase = Annotated[str, AfterValidator(_phrase)]
TermPhrase = Annotated[str, AfterValidator(_term_phrase)]
Name = Annotated[str, AfterValidator(_name)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Category(Strict):
    label: str = Field(min_length=1)
    severity: Severity
    guidance: str = Field(min_length=1)
    approver_stage: Name
    patterns: list[Phrase] = Field(min_length=1)
    # A match lying wholly inside one of these is not a finding ("free" in "feel free").
    exceptions: list[Phrase] = []
    requires_substantiation: bool = False


class Requirement(Strict):
    pattern: Phrase
    message: str = Field(min_length=1)


class Readability(Strict):
    min_reading_ease: float | None = Field(default=None, ge=-100, le=121)
    max_grade: float | None = Field(default=None, ge=0, le=30)
    # Readability formulas say little about a line or two; shorter texts are not scored.
    min_words: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _one_limit(self) -> Readability:
        if self.min_reading_ease is None and self.max_grade is None:
            raise ValueError("set min_reading_ease, max_grade, or both")
        return self


class ChannelRule(Strict):
    label: str = Field(min_length=1)
    # Other names people use for the channel ("x" and "twitter" for x_post); any case.
    aliases: list[Name] = []
    max_length: int | None = Field(default=None, ge=1)
    # SMS: a text with a character outside GSM-7 is sent as UCS-2 and gets this smaller limit.
    max_length_unicode: int | None = Field(default=None, ge=1)
    # X counts every link as this many characters, however long it is.
    url_length: int | None = Field(default=None, ge=1)
    required: list[Requirement] = []
    readability: Readability | None = None
    profanity: bool = False


class Profanity(Strict):
    # Words of the profanity list that are ordinary in marketing copy ("virgin olive oil").
    allow: list[str] = []


class Tuning(Strict):
    """Fine-tuning the lint's encoder on the examples (bot/compliance/tuning.py)."""

    epochs: int = Field(default=2, ge=1, le=10)
    learning_rate: float = Field(default=1e-4, gt=0.0, le=1e-2)
    batch_size: int = Field(default=16, ge=2, le=256)
    seed: int = 0


class Semantic(Strict):
    """The second layer: a classifier per category over sentence embeddings (bot/compliance)."""

    # Labelled sentences (policies/compliance/examples.py), relative to the rules file.
    examples_file: str = Field(min_length=1)
    # Each category's threshold is the lowest score at which its 5-fold cross-validated
    # findings on the examples are at least this precise (and never below 0.5).
    target_precision: float = Field(default=0.9, ge=0.5, le=1.0)
    # A category the model adds to a sentence the patterns already flagged (a testimonial whose
    # number a pattern caught) has a second, stricter threshold: the lowest at which its
    # cross-validated findings are this precise against every other sentence, claims of other
    # categories included, since a wrong extra category sends the brief to an extra approver.
    added_category_precision: float = Field(default=0.95, ge=0.5, le=1.0)
    # "tuned": MiniLM fine-tuned on the examples, made in the background while the frozen
    # encoder's model serves, and served once ready; "frozen": the base encoder only.
    encoder: Literal["frozen", "tuned"] = "frozen"
    tuning: Tuning = Tuning()


class ComplianceRules(Strict):
    description: str = ""
    # The competitors a comparative claim may name; patterns use them as <competitor>.
    competitors: list[TermPhrase] = []
    terms: dict[Name, list[TermPhrase]] = {}
    categories: dict[Name, Category] = Field(min_length=1)
    channels: dict[Name, ChannelRule] = {}
    profanity: Profanity = Profanity()
    semantic: Semantic | None = None

    _version: str = PrivateAttr(default="unversioned")
    _compiled: Any = PrivateAttr(default=None)
    _examples: Any = PrivateAttr(default=None)

    @property
    def examples(self) -> LabelledExamples | None:
        """The semantic layer's labelled sentences, when the rules name them and they loaded."""
        return self._examples

    def all_terms(self) -> dict[str, list[str]]:
        """The `terms` lists, with `competitors` as the <competitor> term."""
        return {**self.terms, **({COMPETITOR: self.competitors} if self.competitors else {})}

    @property
    def version(self) -> str:
        """Content hash of the rules file and of its labelled examples (sha256, 12 hex chars);
        stored with every decision."""
        return self._version

    @model_validator(mode="after")
    def _competitors_once(self) -> ComplianceRules:
        if self.competitors and COMPETITOR in self.terms:
            raise ValueError("terms.competitor: name competitors once, in `competitors`")
        seen: dict[str, str] = {}
        for name in self.competitors:
            if seen.setdefault(name.lower(), name) != name or self.competitors.count(name) > 1:
                raise ValueError(f"competitors: '{name}' is listed twice")
        return self

    @model_validator(mode="after")
    def _one_channel_per_name(self) -> ComplianceRules:
        owner: dict[str, str] = {name: name for name in self.channels}
        for name, rule in self.channels.items():
            for alias in rule.aliases:
                if owner.setdefault(alias, name) != name:
                    raise ValueError(
                        f"channels.{name}.aliases: '{alias}' already names channel {owner[alias]}"
                    )
        return self

    def channel_named(self, name: str) -> str | None:
        """The channel a person means by `name` (its name or an alias, any case), or None."""
        wanted = name.strip().lower()
        for channel, rule in self.channels.items():
            if wanted == channel or wanted in rule.aliases:
                return channel
        return None

    def approver_stages(self) -> set[str]:
        """Every stage a finding can require, for checking against the main policy's gate stages."""
        return {category.approver_stage for category in self.categories.values()}

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> ComplianceRules:
        kwargs["context"] = {**_terms_context(obj), **(kwargs.get("context") or {})}
        return super().model_validate(obj, **kwargs)


def _terms_context(data: Any) -> dict[str, Any]:
    terms = data.get("terms") if isinstance(data, dict) else None
    terms = dict(terms) if isinstance(terms, dict) else {}
    competitors = data.get("competitors") if isinstance(data, dict) else None
    if competitors:
        terms[COMPETITOR] = competitors
    usable: dict[str, list[str]] = {}
    for name, phrases in terms.items():
        if isinstance(phrases, list):
            # A broken term phrase is reported at its own path, not again at every pattern using it.
            usable[str(name)] = [p for p in phrases if isinstance(p, str) and _compiles(p)]
    return {TERMS_KEY: usable}


def _compiles(phrase: str) -> bool:
    try:
        compile_phrase(phrase)
    except PhraseError:
        return False
    return True
