"""The policy file's shape (pydantic v2): validated at load, every error reported with its path.

Approvers are referred to by a group handle declared under `groups` ("@brand-team") or by a Slack
user id ("U02BRAM"); an undeclared handle is an error at load, not a surprise at a click.
The loader builds a Policy with `parse_policy`, which also stamps its version and source file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import holidays
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from policies.assets import Assets
from policies.cross_checks import Problem, cross_checked, duplicates, items
from policies.durations import BusinessDuration
from policies.insights import Goal, Scorecard
from policies.pipeline import Pipeline
from policies.refs import (
    ApproverRef,
    ChannelId,
    ClockTime,
    Day,
    EscalationTarget,
    GroupHandle,
    SnakeName,
    TimeZoneName,
    UsergroupId,
    declared_groups_context,
    minutes,
)
from policies.template import Template, TemplateField, clean_submission, validate_submission
from policies.variants import Variants

__all__ = [
    "Policy",
    "Stage",
    "Template",
    "TemplateField",
    "clean_submission",
    "parse_policy",
    "validate_submission",
]

ROLES = ("requester", "approver", "ops_admin")


class Strict(BaseModel):
    # A misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid")


class Group(Strict):
    usergroup_id: UsergroupId
    description: str = ""


class Roles(Strict):
    ops_admins: list[ApproverRef] = Field(min_length=1)
    cancel: list[str] = ["requester", "ops_admin"]
    reopen: list[str] = ["requester", "ops_admin"]  # a rejected or cancelled brief

    @field_validator("cancel", "reopen")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        unknown = [role for role in value if role not in ROLES]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; roles are {', '.join(ROLES)}")
        return value


class Channels(Strict):
    briefs: ChannelId | None = None  # None: the channel `/brief new` ran in
    escalations: ChannelId | None = None


class Stage(Strict):
    name: SnakeName
    label: str = Field(min_length=1)
    approvers: list[ApproverRef] = Field(min_length=1)
    # How many different approvers must approve ("any 2 of @legal-team"); one request for
    # changes or one rejection still decides the stage.
    quorum: int = Field(1, ge=1)
    # Reviewed at the same time as the stage before it: the brief moves on once both are done.
    parallel: bool = False
    sla: BusinessDuration | None = None
    wip_limit: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _quorum_reachable(self) -> Stage:
        # Group sizes are Slack's to say (checked when a stage starts); named people are countable.
        named = {ref for ref in self.approvers if not ref.startswith("@")}
        if len(named) == len(self.approvers) and self.quorum > len(named):
            raise ValueError(
                f"quorum {self.quorum} needs at least {self.quorum} different approvers; "
                f"only {len(named)} named"
            )
        return self


class BriefWorkflow(Strict):
    template: Template
    stages: list[Stage] = Field(min_length=1)

    @model_validator(mode="wrap")
    @classmethod
    def _checks(cls, data: Any, handler: ModelWrapValidatorHandler[BriefWorkflow]) -> BriefWorkflow:
        return cross_checked(
            cls.__name__, data, handler, _duplicate_stage_names, _first_stage_parallel
        )


def _duplicate_stage_names(data: Any) -> list[Problem]:
    dupes = duplicates([stage.get("name") for stage in items(data, "stages")])
    return [(("stages",), f"duplicate stage names: {', '.join(dupes)}")] if dupes else []


def _first_stage_parallel(data: Any) -> list[Problem]:
    stages = items(data, "stages")
    if stages and stages[0].get("parallel") is True:
        return [
            (
                ("stages", 0, "parallel"),
                f"the first stage ('{stages[0].get('name')}') can't be parallel: "
                "no stage comes before it to run alongside",
            )
        ]
    return []


class Workflows(Strict):
    brief: BriefWorkflow


class HolidayCalendar(Strict):
    country: str
    subdivision: str | None = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if value.upper() not in holidays.list_supported_countries():
            raise ValueError(
                f"'{value}' is not a country code the holidays package knows "
                "(ISO 3166 alpha-2, like US or GB)"
            )
        return value.upper()

    @field_validator("subdivision")
    @classmethod
    def _subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is None or country is None:
            return value
        known = holidays.list_supported_countries().get(country, [])
        if value not in known:
            listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            hint = f"; {country} has {listed}" if known else f"; {country} has none"
            raise ValueError(f"'{value}' is not a subdivision of {country}{hint}")
        return value


class BusinessHours(Strict):
    timezone: TimeZoneName
    start: ClockTime = "09:00"
    end: ClockTime = "17:30"
    days: list[Day] = Field(["mon", "tue", "wed", "thu", "fri"], min_length=1)
    holidays: HolidayCalendar

    @model_validator(mode="after")
    def _order(self) -> BusinessHours:
        if minutes(self.start) >= minutes(self.end):
            raise ValueError(
                "business hours must start before they end (overnight is not supported)"
            )
        self.days = sorted(
            set(self.days), key=("mon", "tue", "wed", "thu", "fri", "sat", "sun").index
        )
        return self

    @property
    def hours_per_day(self) -> float:
        return (minutes(self.end) - minutes(self.start)) / 60


class QuietHours(Strict):
    # In each recipient's own time zone; may wrap midnight (19:00 to 08:00).
    start: ClockTime = "19:00"
    end: ClockTime = "08:00"

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours need different start and end times")
        return self


class Reminders(Strict):
    first_at: float = Field(0.75, gt=0, lt=1)
    escalate_to: EscalationTarget
    repeat_every: BusinessDuration
    quiet_hours: QuietHours = QuietHours()


class DigestChannel(Strict):
    channel: ChannelId
    time: ClockTime = "09:00"
    timezone: TimeZoneName


class Digests(Strict):
    channels: list[DigestChannel] = []
    user_default_time: ClockTime = "09:00"
    weekly_chart_day: Day = "mon"


class Intake(Strict):
    channels: list[ChannelId] = []
    triage_group: ApproverRef | None = None
    # Leave both out to use the model's own, chosen from data for the taxonomy's target
    # (settings.target in the taxonomy); set them to override it.
    confidence_threshold: float | None = Field(None, ge=0, le=1)
    margin: float | None = Field(None, ge=0, le=1)
    taxonomy_file: str = "intake.yaml"  # relative to this file


class Compliance(Strict):
    rules_file: str = "compliance.yaml"  # relative to this file
    # A regulated finding adds the named stage to the brief's review, decided by these refs.
    gate_stages: dict[SnakeName, list[ApproverRef]] = {}
    # The service level of a gate stage that is not also one of the workflow's stages (those
    # keep their own): without it such a stage would wait with no reminder and no escalation.
    gate_sla: BusinessDuration | None = None

    @field_validator("gate_stages")
    @classmethod
    def _approvers(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        empty = [name for name, refs in value.items() if not refs]
        if empty:
            raise ValueError(f"gate stage '{empty[0]}' needs at least one approver")
        return value


class Forecast(Strict):
    # The share of briefs a stage may let run past its SLA; `/mops forecast` names the fewest
    # reviewers that keep each stage under it.
    max_breach: float = Field(0.1, gt=0, lt=1)
    history_days: int = Field(90, ge=7, le=730)  # the window the forecast learns from


class Policy(Strict):
    name: str = Field(min_length=1)
    description: str = ""
    groups: dict[GroupHandle, Group] = {}
    roles: Roles
    channels: Channels = Channels()
    workflows: Workflows
    business_hours: BusinessHours
    reminders: Reminders
    digests: Digests = Digests()
    intake: Intake = Intake()
    compliance: Compliance = Compliance()
    forecast: Forecast = Forecast()
    scorecard: Scorecard = Scorecard()
    goals: list[Goal] = []
    pipeline: Pipeline = Pipeline()
    variants: Variants = Variants()
    assets: Assets = Assets()

    _version: str = PrivateAttr("unversioned")
    _source: Path | None = PrivateAttr(None)

    @property
    def version(self) -> str:
        """Content hash of the file it was loaded from; stored with every decision."""
        return self._version

    @property
    def source(self) -> Path | None:
        return self._source

    @property
    def stage_names(self) -> list[str]:
        """The review stages a new brief starts with, in order."""
        return [stage.name for stage in self.workflows.brief.stages]

    def stage(self, name: str | None) -> Stage | None:
        return next((stage for stage in self.workflows.brief.stages if stage.name == name), None)

    def beside(self, relative: str) -> Path:
        """A file named in the policy (rules_file, taxonomy_file), relative to the policy file."""
        path = Path(relative)
        if path.is_absolute() or self._source is None:
            return path
        return self._source.parent / path

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Policy:
        # Every approver ref checks itself against the declared groups (see policies.refs), so
        # an unknown group is reported at its own path alongside all other errors.
        kwargs["context"] = {**declared_groups_context(obj), **(kwargs.get("context") or {})}
        return super().model_validate(obj, **kwargs)

    @model_validator(mode="wrap")
    @classmethod
    def _checks(cls, data: Any, handler: ModelWrapValidatorHandler[Policy]) -> Policy:
        return cross_checked(cls.__name__, data, handler, _escalation_channel, _pipeline_names)

    @model_validator(mode="after")
    def _business_day(self) -> Policy:
        # A day in an SLA is as long as the team's business day (09:00-17:30 is 8.5 hours).
        for duration in self._durations():
            duration.hours_per_day = self.business_hours.hours_per_day
        return self

    def _durations(self) -> list[BusinessDuration]:
        found = [stage.sla for stage in self.workflows.brief.stages if stage.sla is not None]
        gate = [self.compliance.gate_sla] if self.compliance.gate_sla is not None else []
        tasks = [task.sla for task in self.pipeline.tasks if task.sla is not None]
        return [*found, *gate, *tasks, self.reminders.repeat_every]


def _escalation_channel(data: Any) -> list[Problem]:
    reminders = data.get("reminders") if isinstance(data, dict) else None
    channels = data.get("channels") if isinstance(data, dict) else None
    target = reminders.get("escalate_to") if isinstance(reminders, dict) else None
    escalations = channels.get("escalations") if isinstance(channels, dict) else None
    if isinstance(target, str) and target.startswith("@") and escalations is None:
        return [
            (
                ("reminders", "escalate_to"),
                f"'{target}' is a group, so set channels.escalations (the channel it is "
                "mentioned in)",
            )
        ]
    return []


def _pipeline_names(data: Any) -> list[Problem]:
    """What the pipeline's tasks name must exist: dependencies (tasks or review stages) and the
    brief fields they read (the launch date, the channel, `when`)."""
    pipeline = data.get("pipeline") if isinstance(data, dict) else None
    if not isinstance(pipeline, dict):
        return []
    workflows = data.get("workflows")
    brief = workflows.get("brief") if isinstance(workflows, dict) else None
    template = brief.get("template") if isinstance(brief, dict) else None
    fields = {f.get("id"): f for f in items(template, "fields")}
    compliance = data.get("compliance")
    gates = compliance.get("gate_stages") if isinstance(compliance, dict) else None
    stages = {s.get("name") for s in items(brief, "stages")} | set(
        gates if isinstance(gates, dict) else ()
    )
    tasks = items(pipeline, "tasks")
    names = {task.get("name") for task in tasks}
    problems: list[Problem] = []
    for i, task in enumerate(tasks):
        deps = task.get("depends_on")
        for j, dep in enumerate(deps if isinstance(deps, list) else []):
            if isinstance(dep, str) and dep not in names | stages:
                problems.append(
                    (
                        ("pipeline", "tasks", i, "depends_on", j),
                        f"'{dep}' is neither a task nor a review stage",
                    )
                )
        when = task.get("when")
        for field in when if isinstance(when, dict) else {}:
            problems += _field_problem(fields, field, ("pipeline", "tasks", i, "when"), None)
    for key, kind in (("launch_date_field", "date"), ("channel_field", "select")):
        field = pipeline.get(key, "launch_date" if kind == "date" else "channel_mix")
        if isinstance(field, str):
            problems += _field_problem(fields, field, ("pipeline", key), kind)
    return problems


def _field_problem(
    fields: dict[Any, dict[str, Any]], field: str, where: tuple[str | int, ...], kind: str | None
) -> list[Problem]:
    if field not in fields:
        return [(where, f"'{field}' is not a field of the brief form")]
    if kind is not None and fields[field].get("type") != kind:
        return [(where, f"'{field}' must be a {kind} field of the brief form")]
    return []


def parse_policy(data: Any, *, version: str = "unversioned", source: Path | None = None) -> Policy:
    """Validate a parsed policy mapping; raises pydantic's ValidationError (see loader)."""
    policy = Policy.model_validate(data)
    policy._version = version
    policy._source = source
    return policy
