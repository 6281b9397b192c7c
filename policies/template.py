"""The brief form: its fields as the policy declares them, and checking what a person typed.

`validate_submission` words its errors for the person filling the modal (they become inline errors
under each field); `clean_submission` turns accepted input into the values stored on the brief.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, model_validator

from policies.cross_checks import Problem, cross_checked, duplicates, items
from policies.refs import USER_ID, SnakeName

FieldType = Literal["text", "textarea", "select", "date", "url", "number", "user"]
TEXT_TYPES = ("text", "textarea")
# Slack's Block Kit limits for the form the template becomes (a modal of input blocks), so that
# a policy that loads always builds a form: a modal holds 100 blocks, a select 100 options of up
# to 75 characters; an input's label and hint 2000, a placeholder 150, a text input 3000.
MAX_FIELDS = 100
MAX_CHOICES = 100
MAX_OPTION_TEXT = 75
MAX_HINT = 2000
MAX_PLACEHOLDER = 150
MAX_TEXT_INPUT = 3000

# "1500", "1,500.50", "$1,500", "-20" (rejected later as negative); not "1,50" (ambiguous).
_NUMBER = re.compile(
    r"^(?P<neg>-)?[$€£]?(?P<neg2>-)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?P<frac>\.\d+)?$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Characters a URL can't hold as typed: Slack's link syntax (<url|text>) would break on them.
# Browsers send them percent-encoded, so we store them that way; whitespace ends a link.
_URL_ENCODED = {"<": "%3C", ">": "%3E", "|": "%7C", '"': "%22"}
_WHITESPACE = re.compile(r"\s")
NUMBER_HINT = "Digits only, like 1500 or 1500.50 (no commas or currency signs)."


class TemplateField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: SnakeName
    label: str = Field(min_length=1, max_length=100)  # Slack takes 2000; a label is a few words
    type: FieldType = "text"
    required: bool = False
    min_length: int | None = Field(None, ge=0, le=MAX_TEXT_INPUT)
    max_length: int | None = Field(None, ge=1, le=MAX_TEXT_INPUT)  # Slack's text input limit
    choices: list[str] | None = Field(None, max_length=MAX_CHOICES)  # a select's options
    help: str | None = Field(None, max_length=MAX_HINT)  # the input's hint
    placeholder: str | None = Field(None, max_length=MAX_PLACEHOLDER)
    # Whether the compliance lint reads this field as copy. Text fields are linted unless set to
    # false (notes to the reviewers are words for colleagues, not for the audience).
    lint: bool | None = None
    # Date fields: false refuses a day before today (in the policy's business time zone).
    allow_past: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> TemplateField:
        if self.type == "select" and not self.choices:
            raise ValueError("a select field needs a non-empty 'choices' list")
        if self.type != "select" and self.choices is not None:
            raise ValueError(f"'choices' only goes with type select, not {self.type}")
        if self.choices and len({c.casefold() for c in self.choices}) != len(self.choices):
            raise ValueError("choices must be unique")
        if self.choices and any(not c.strip() or len(c) > MAX_OPTION_TEXT for c in self.choices):
            raise ValueError(
                f"each choice needs 1 to {MAX_OPTION_TEXT} characters (Slack's limit for an option)"
            )
        if not self.allow_past and self.type != "date":
            raise ValueError(f"'allow_past' only goes with type date, not {self.type}")
        if self.min_length and self.max_length and self.min_length > self.max_length:
            raise ValueError("min_length is larger than max_length")
        if self.lint and self.type not in TEXT_TYPES:
            raise ValueError(f"only text and textarea fields are linted, not {self.type}")
        return self

    @property
    def linted(self) -> bool:
        """Read as copy by the compliance lint: a text field, unless the policy says `lint: false`."""
        return self.type in TEXT_TYPES and self.lint is not False


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | str  # declared by whoever edits the fields; stored with every brief
    fields: list[TemplateField] = Field(min_length=1, max_length=MAX_FIELDS)  # a modal's blocks

    @model_validator(mode="wrap")
    @classmethod
    def _checks(cls, data: Any, handler: ModelWrapValidatorHandler[Template]) -> Template:
        return cross_checked(cls.__name__, data, handler, _duplicate_ids, _title_field)

    def field(self, field_id: str) -> TemplateField | None:
        return next((field for field in self.fields if field.id == field_id), None)


def _duplicate_ids(data: Any) -> list[Problem]:
    dupes = duplicates([field.get("id") for field in items(data, "fields")])
    return [((), f"duplicate field ids: {', '.join(dupes)}")] if dupes else []


def _title_field(data: Any) -> list[Problem]:
    title = next((f for f in items(data, "fields") if f.get("id") == "title"), None)
    required = title.get("required") if title else None
    if isinstance(required, str):  # as pydantic reads a bool
        required = required.lower() in ("true", "yes", "on", "y", "t", "1")
    if title is None or title.get("type", "text") != "text" or required not in (True, 1):
        return [
            (
                (),
                "the template needs a required 'title' field of type text "
                "(it names the brief's thread)",
            )
        ]
    return []


def validate_submission(
    template: Template, values: dict[str, str | None], today: date | None = None
) -> dict[str, str]:
    """Errors by field id, worded for the person filling the modal; {} when it is fine.

    `today` (the policy's local date) refuses past days in date fields that don't allow them.
    Values the template does not know are ignored (clean_submission drops them)."""
    errors: dict[str, str] = {}
    for field in template.fields:
        text = _text(values.get(field.id))
        if not text:
            if field.required:
                errors[field.id] = f"{field.label} is required."
            continue
        error = _field_error(field, text) or _past_error(field, text, today)
        if error:
            errors[field.id] = error
    return errors


def clean_submission(
    template: Template, values: dict[str, str | None]
) -> dict[str, str | int | float | None]:
    """Normalized values by field id: text trimmed, numbers as numbers, choices as declared.

    Call it on values validate_submission accepted; anything else raises ValueError."""
    cleaned: dict[str, str | int | float | None] = {}
    for field in template.fields:
        text = _text(values.get(field.id)) or None
        if text is not None and _field_error(field, text):
            raise ValueError(f"{field.id}: {_field_error(field, text)}")
        if text is None:
            cleaned[field.id] = None
        elif field.type == "number":
            number = _number(text)
            assert number is not None  # checked above
            cleaned[field.id] = (
                int(number) if number == number.to_integral_value() else float(number)
            )
        elif field.type == "select":
            cleaned[field.id] = _choice(field, text)
        elif field.type == "text":
            cleaned[field.id] = " ".join(text.split())  # one line: it may become a thread title
        elif field.type == "url":
            cleaned[field.id] = "".join(_URL_ENCODED.get(c, c) for c in text)
        else:
            cleaned[field.id] = text
    return cleaned


def _text(raw: object) -> str:
    return "" if raw is None else str(raw).strip()


def _field_error(field: TemplateField, text: str) -> str | None:
    if field.min_length and len(text) < field.min_length:
        return f"At least {field.min_length} characters, please ({len(text)} now)."
    if field.max_length and len(text) > field.max_length:
        return f"At most {field.max_length} characters, please ({len(text)} now)."
    if field.type == "select" and _choice(field, text) is None:
        return f"Choose one of: {', '.join(field.choices or [])}."
    if field.type == "date" and not _is_date(text):
        return "A date like 2027-03-01, please."
    if field.type == "url":
        if _WHITESPACE.search(text):
            return "A link has no spaces; paste the address as your browser shows it."
        parsed = urlparse(text)
        if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
            return (
                "A web address starting with https:// or http://, like https://example.com/brief."
            )
    if field.type == "number":
        number = _number(text)
        if number is None:
            return NUMBER_HINT
        if number < 0:
            return "Zero or more, please."
    if field.type == "user" and not USER_ID.match(text):
        return "Choose a person."
    return None


def _past_error(field: TemplateField, text: str, today: date | None) -> str | None:
    """A day before `today` in a date field that doesn't allow one (text is a valid date)."""
    if today is None or field.allow_past or date.fromisoformat(text) >= today:
        return None
    return f"That day has passed; choose {today:%Y-%m-%d} or later."


def _choice(field: TemplateField, text: str) -> str | None:
    # Slack's select sends the exact value; people typing in the shell may not mind case.
    return next((c for c in field.choices or [] if c.casefold() == text.casefold()), None)


def _is_date(text: str) -> bool:
    # Only YYYY-MM-DD (what Slack's date picker sends); fromisoformat alone also takes 20270301.
    if not _ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _number(text: str) -> Decimal | None:
    match = _NUMBER.match(text.replace(" ", ""))
    if not match or not (match["int"] or match["frac"]) or (match["neg"] and match["neg2"]):
        return None
    try:
        number = Decimal((match["int"] or "0").replace(",", "") + (match["frac"] or ""))
    except InvalidOperation:
        return None
    return -number if (match["neg"] or match["neg2"]) and number else number
