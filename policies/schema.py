"""The policy file's shape (pydantic v2): validated at load, every error reported with its path.

References to approvers are either a group handle declared under `groups` ("@brand-team") or a
Slack user id ("U02BRAM"); an undeclared handle is an error at load, not a surprise at a click.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from policies.durations import BusinessDuration

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
HANDLE = re.compile(r"^@[a-z0-9][a-z0-9._-]*$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
FIELD_ID = re.compile(r"^[a-z][a-z0-9_]*$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROLES = ("requester", "approver", "ops_admin")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _ref(value: str) -> str:
    if not (HANDLE.match(value) or USER_ID.match(value)):
        raise ValueError(f"'{value}' is neither a group handle like '@brand-team' nor a user id like 'U02BRAM'")
    return value


def _hhmm(value: str) -> str:
    if not HHMM.match(str(value)):
        raise ValueError(f"'{value}' is not a time like '09:00'")
    return str(value)


def _channel(value: str | None) -> str | None:
    if value is not None and not CHANNEL_ID.match(value):
        raise ValueError(f"'{value}' is not a channel id like 'C01MKTG'")
    return value


class Group(Strict):
    usergroup_id: str = Field(pattern=r"^S[A-Z0-9]{2,}$")
    description: str = ""


class Roles(Strict):
    ops_admins: list[str] = Field(min_length=1)
    cancel: list[Literal["requester", "approver", "ops_admin"]] = ["requester", "ops_admin"]
    reopen: list[Literal["requester", "approver", "ops_admin"]] = ["ops_admin"]

    _refs = field_validator("ops_admins")(lambda cls, v: [_ref(x) for x in v])


class Channels(Strict):
    briefs: str | None = None
    escalations: str | None = None

    _ids = field_validator("briefs", "escalations")(lambda cls, v: _channel(v))


FieldType = Literal["text", "textarea", "select", "date", "url", "number", "user"]


class TemplateField(Strict):
    id: str
    label: str = Field(min_length=1, max_length=100)
    type: FieldType = "text"
    required: bool = False
    min_length: int | None = Field(None, ge=0)
    max_length: int | None = Field(None, ge=1, le=3000)
    choices: list[str] | None = None
    help: str | None = Field(None, max_length=150)
    placeholder: str | None = Field(None, max_length=150)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not FIELD_ID.match(value):
            raise ValueError(f"'{value}' must be snake_case (letters, digits, _)")
        return value

    @model_validator(mode="after")
    def _choices(self) -> TemplateField:
        if self.type == "select" and not self.choices:
            raise ValueError("a select field needs a non-empty 'choices' list")
        if self.type != "select" and self.choices is not None:
            raise ValueError(f"'choices' only goes with type select, not {self.type}")
        if self.choices and len(set(self.choices)) != len(self.choices):
            raise ValueError("choices must be unique")
        if self.min_length and self.max_length and self.min_length > self.max_length:
            raise ValueError("min_length is larger than max_length")
        return self


class Template(Strict):
    version: int | str
    fields: list[TemplateField] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Template:
        ids = [field.id for field in self.fields]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate field ids: {', '.join(dupes)}")
        if "title" not in ids:
            raise ValueError("the template needs a 'title' field (it names the brief's thread)")
        return self


class Stage(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    approvers: list[str] = Field(min_length=1)
    sla: BusinessDuration | None = None
    wip_limit: int | None = Field(None, ge=1)

    _refs = field_validator("approvers")(lambda cls, v: [_ref(x) for x in v])


class BriefWorkflow(Strict):
    template: Template
    stages: list[Stage] = Field(min_length=1)

    @field_validator("stages")
    @classmethod
    def _unique(cls, stages: list[Stage]) -> list[Stage]:
        names = [stage.name for stage in stages]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate stage names: {', '.join(dupes)}")
        return stages


class Workflows(Strict):
    brief: BriefWorkflow


class HolidayCalendar(Strict):
    country: str
    subdivision: str | None = None

    @model_validator(mode="after")
    def _known(self) -> HolidayCalendar:
        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision, years=2026)
        except (NotImplementedError, KeyError):
            raise ValueError(f"'{self.country}' is not a country code the holidays package knows") from None
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        return self


class BusinessHours(Strict):
    timezone: str
    start: str = "09:00"
    end: str = "17:30"
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = ["mon", "tue", "wed", "thu", "fri"]
    holidays: HolidayCalendar

    _times = field_validator("start", "end")(lambda cls, v: _hhmm(v))

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not an IANA time zone like 'America/New_York'") from None
        return value

    @model_validator(mode="after")
    def _order(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError("business hours must start before they end")
        if not self.days:
            raise ValueError("at least one business day is needed")
        return self

    @property
    def hours_per_day(self) -> float:
        (sh, sm), (eh, em) = (map(int, self.start.split(":")), map(int, self.end.split(":")))
        return (eh * 60 + em - sh * 60 - sm) / 60


class QuietHours(Strict):
    start: str = "19:00"
    end: str = "08:00"

    _times = field_validator("start", "end")(lambda cls, v: _hhmm(v))


class Reminders(Strict):
    first_at: float = Field(0.75, gt=0, lt=1)
    escalate_to: str
    repeat_every: BusinessDuration
    quiet_hours: QuietHours = QuietHours()

    @field_validator("escalate_to")
    @classmethod
    def _target(cls, value: str) -> str:
        if CHANNEL_ID.match(value):
            return value
        return _ref(value)


class DigestChannel(Strict):
    channel: str
    time: str = "09:00"
    timezone: str

    _c = field_validator("channel")(lambda cls, v: _channel(v))
    _t = field_validator("time")(lambda cls, v: _hhmm(v))
    _tz = field_validator("timezone")(lambda cls, v: BusinessHours._tz(v))


class Digests(Strict):
    channels: list[DigestChannel] = []
    user_default_time: str = "09:00"
    weekly_chart_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"

    _t = field_validator("user_default_time")(lambda cls, v: _hhmm(v))


class Intake(Strict):
    channels: list[str] = []
    triage_group: str | None = None
    confidence_threshold: float = Field(0.6, ge=0, le=1)
    margin: float = Field(0.1, ge=0, le=1)
    taxonomy_file: str = "intake.yaml"

    _c = field_validator("channels")(lambda cls, v: [_channel(x) for x in v])
    _g = field_validator("triage_group")(lambda cls, v: v if v is None else _ref(v))


class Compliance(Strict):
    rules_file: str = "compliance.yaml"
    gate_stages: dict[str, list[str]] = {}

    @field_validator("gate_stages")
    @classmethod
    def _refs(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, refs in value.items():
            if not refs:
                raise ValueError(f"gate stage '{name}' needs at least one approver")
            for ref in refs:
                _ref(ref)
        return value


class Policy(Strict):
    name: str
    description: str = ""
    groups: dict[str, Group] = {}
    roles: Roles
    channels: Channels = Channels()
    workflows: Workflows
    business_hours: BusinessHours
    reminders: Reminders
    digests: Digests = Digests()
    intake: Intake = Intake()
    compliance: Compliance = Compliance()

    _version: str = PrivateAttr("unversioned")

    @property
    def version(self) -> str:
        """Content hash of the file it was loaded from; stored with every decision."""
        return self._version

    @field_validator("groups")
    @classmethod
    def _handles(cls, value: dict[str, Group], info: ValidationInfo) -> dict[str, Group]:
        for handle in value:
            if not HANDLE.match(handle):
                raise ValueError(f"group key '{handle}' must be a handle like '@brand-team'")
        return value

    @model_validator(mode="after")
    def _references(self) -> Policy:
        # Days in SLAs are as long as the team's business day.
        for duration in self._durations():
            duration.hours_per_day = self.business_hours.hours_per_day
        unknown = []
        for path, ref in self._refs():
            if ref.startswith("@") and ref not in self.groups:
                unknown.append(f"{path}: unknown group '{ref}'")
        if unknown:
            raise PolicyReferenceError(unknown)
        return self

    def _durations(self) -> list[BusinessDuration]:
        found = [stage.sla for stage in self.workflows.brief.stages if stage.sla is not None]
        return [*found, self.reminders.repeat_every]

    def _refs(self) -> list[tuple[str, str]]:
        refs = [(f"roles.ops_admins[{i}]", r) for i, r in enumerate(self.roles.ops_admins)]
        for s, stage in enumerate(self.workflows.brief.stages):
            refs += [(f"workflows.brief.stages[{s}].approvers[{i}]", r) for i, r in enumerate(stage.approvers)]
        if self.reminders.escalate_to.startswith("@"):
            refs.append(("reminders.escalate_to", self.reminders.escalate_to))
        if self.intake.triage_group:
            refs.append(("intake.triage_group", self.intake.triage_group))
        for name, gate_refs in self.compliance.gate_stages.items():
            refs += [(f"compliance.gate_stages.{name}[{i}]", r) for i, r in enumerate(gate_refs)]
        return refs

    def stage(self, name: str | None) -> Stage | None:
        return next((stage for stage in self.workflows.brief.stages if stage.name == name), None)


class PolicyReferenceError(ValueError):
    """Several dangling references at once, each already with its path."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# -- the brief form --------------------------------------------------------------------------

def validate_submission(template: Template, values: dict[str, str | None]) -> dict[str, str]:
    """Errors by field id, worded for the person filling the modal; {} when it is fine."""
    errors: dict[str, str] = {}
    for field in template.fields:
        raw = values.get(field.id)
        text = "" if raw is None else str(raw).strip()
        if not text:
            if field.required:
                errors[field.id] = f"{field.label} is required."
            continue
        error = _field_error(field, text)
        if error:
            errors[field.id] = error
    return errors


def _field_error(field: TemplateField, text: str) -> str | None:
    if field.min_length and len(text) < field.min_length:
        return f"At least {field.min_length} characters, please."
    if field.max_length and len(text) > field.max_length:
        return f"At most {field.max_length} characters, please ({len(text)} now)."
    if field.type == "select" and text not in (field.choices or []):
        return f"Choose one of: {', '.join(field.choices or [])}."
    if field.type == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            return "A date like 2027-03-01, please."
    if field.type == "url":
        parsed = urlparse(text)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in text:
            return "A link starting with https://, please."
    if field.type == "number":
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return "A number, please."
        if number < 0 or number != number or number in (float("inf"), float("-inf")):
            return "Zero or more, please."
    if field.type == "user" and not USER_ID.match(text):
        return "Choose a person."
    return None


def clean_submission(template: Template, values: dict[str, str | None]) -> dict[str, str | float | None]:
    """Normalized values by field id (numbers as numbers, text trimmed); validate first."""
    cleaned: dict[str, str | float | None] = {}
    for field in template.fields:
        raw = values.get(field.id)
        text = None if raw is None else str(raw).strip() or None
        if text is not None and field.type == "number":
            number = float(text.replace(",", ""))
            cleaned[field.id] = int(number) if number.is_integer() else number
        else:
            cleaned[field.id] = text
    return cleaned

