"""The names of every button and modal the bot draws, and one codec per button value format.

The same names are used where blocks are built and where handlers listen, so a renamed button
cannot lose its listener. A value that does not parse raises `MalformedValue`: the button is
from an older message or the click was forged, and the clicker is told that nothing was done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# Ids in the database are PostgreSQL `integer`s; a larger number can't name a row.
MAX_ID = 2**31 - 1
_NUMBER = re.compile(r"[0-9]{1,10}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
# Slack's channel ids (public, private, DM); the tables keep them in 32 characters.
_CHANNEL = re.compile(r"[CDG][A-Z0-9]{2,30}")
# What the clicker of a button with a malformed value is told.
OUTDATED_BUTTON = "That button is out of date, so nothing was done."
# What the sender of a modal whose private_metadata does not read is told, on the modal.
OUTDATED_FORM = "This form is out of date, so nothing was done. Close it and start again."
COMPLIANCE_LOADING = (
    "I've just restarted and my compliance check is still loading, so nothing was sent yet. "
    "Press Submit again in a few seconds: what you typed is kept."
)


class ActionId(StrEnum):
    """`action_id`s of buttons."""

    BRIEF_APPROVE = "brief_approve"
    BRIEF_REQUEST_CHANGES = "brief_request_changes"
    BRIEF_REJECT = "brief_reject"
    BRIEF_RESUBMIT = "brief_resubmit"
    BRIEF_REOPEN = "brief_reopen"
    BRIEF_SHOW = "brief_show"
    BRIEF_CONFIRM_ADVANCE = "brief_confirm_advance"
    BRIEF_DECLINE_ADVANCE = "brief_decline_advance"
    HOME_NEW_BRIEF = "home_new_brief"
    REMINDER_SNOOZE_1H = "reminder_snooze_1h"
    REMINDER_SNOOZE_1BD = "reminder_snooze_1bd"
    INTAKE_RELABEL = "intake_relabel"
    INTAKE_OPEN_BRIEF = "intake_open_brief"
    INTAKE_CLAIM = "intake_claim"
    INTAKE_DONE = "intake_done"
    INTAKE_NOT_HELPED = "intake_not_helped"  # under a pre-approved reply: route it to a person
    CHECKLIST_TICK = "checklist_tick"
    ASSET_FIX = "asset_fix"
    VARIANT_EDIT = "variant_edit"
    # Numbered (`intake_pick_0`, `intake_pick_1`, ...): ids must be unique within a block.
    INTAKE_PICK = "intake_pick"
    PIPELINE_TASK_CLAIM = "pipeline_task_claim"
    PIPELINE_TASK_DONE = "pipeline_task_done"
    PIPELINE_TASK_BLOCKED = "pipeline_task_blocked"
    LAUNCH_CONFIRM = "launch_confirm"
    LAUNCH_CANCEL = "launch_cancel"
    PRIVACY_FORGET = "privacy_forget"  # /mops forget's confirmation
    PRIVACY_KEEP = "privacy_keep"

    def numbered(self, n: int) -> str:
        return f"{self.value}_{n}"

    def pattern(self) -> re.Pattern[str]:
        """Matches the id and its numbered twins."""
        return re.compile(rf"^{re.escape(self.value)}(_\d+)?$")


class ViewId(StrEnum):
    """`callback_id`s of modals."""

    BRIEF_FORM = "brief_form"
    BRIEF_EDIT = "brief_edit"
    BRIEF_REASON = "brief_reason"
    INTAKE_RELABEL = "intake_relabel"
    INTAKE_BRIEF = "intake_brief"  # the brief form opened from an intake request
    EXPERIMENT_FORM = "experiment_form"
    EXPERIMENT_EDIT = "experiment_edit"
    PIPELINE_TASK_BLOCKED = "pipeline_task_blocked"  # why a task is blocked
    ASSET_DETAILS = "asset_details"
    VARIANTS_DRAFT = "variants_draft"
    VARIANT_EDIT = "variant_edit"


class MalformedValue(ValueError):
    """A button value not in its format: an older message's button, or a forged click."""

    def __init__(self, codec: str, value: object) -> None:
        super().__init__(f"not a {codec} button value: {value!r}")
        self.codec = codec
        self.value = value


def parse_id(text: object, codec: str, *, whole: object = None) -> int:
    """A row id (1 to MAX_ID) written in ASCII digits; anything else is malformed."""
    if not isinstance(text, str) or not _NUMBER.fullmatch(text) or not 0 < int(text) <= MAX_ID:
        raise MalformedValue(codec, whole if whole is not None else text)
    return int(text)


# A modal's private_metadata comes back with its submission; like a button's value it is read
# through a codec, never trusted: a forged one names no row (None) rather than failing.


def metadata_id(value: object) -> int | None:
    """A row id kept in private_metadata (a JSON number, 1 to MAX_ID), or None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


def metadata_channel(value: object) -> str | None:
    """A channel id kept in private_metadata, or None when it is not one."""
    return value if isinstance(value, str) and _CHANNEL.fullmatch(value) else None


@dataclass(frozen=True)
class BriefRef:
    """ "brief_id:version": the decision, resubmit and snooze buttons of one version of a brief."""

    brief_id: int
    version: int

    def format(self) -> str:
        return f"{self.brief_id}:{self.version}"

    @classmethod
    def parse(cls, value: object) -> BriefRef:
        if not isinstance(value, str) or value.count(":") != 1:
            raise MalformedValue("brief", value)
        brief_id, version = value.split(":")
        return cls(
            parse_id(brief_id, "brief", whole=value), parse_id(version, "brief", whole=value)
        )


@dataclass(frozen=True)
class IntakePick:
    """ "request_id:label": a label offered for an intake request."""

    request_id: int
    label: str

    def format(self) -> str:
        return f"{self.request_id}:{self.label}"

    @classmethod
    def parse(cls, value: object) -> IntakePick:
        if not isinstance(value, str):
            raise MalformedValue("intake pick", value)
        request_id, sep, label = value.partition(":")
        if not sep or not label.strip():
            raise MalformedValue("intake pick", value)
        return cls(parse_id(request_id, "intake pick", whole=value), label)


@dataclass(frozen=True)
class IntakeRef:
    """ "request_id": the relabel, open-a-brief, claim and done buttons of an intake request."""

    request_id: int

    def format(self) -> str:
        return str(self.request_id)

    @classmethod
    def parse(cls, value: object) -> IntakeRef:
        return cls(parse_id(value, "intake request"))


@dataclass(frozen=True)
class TaskRef:
    """ "task_id:version": the Claim / Done / Blocked buttons of one version of a pipeline task."""

    task_id: int
    version: int

    def format(self) -> str:
        return f"{self.task_id}:{self.version}"

    @classmethod
    def parse(cls, value: object) -> TaskRef:
        if not isinstance(value, str) or value.count(":") != 1:
            raise MalformedValue("task", value)
        task_id, version = value.split(":")
        return cls(parse_id(task_id, "task", whole=value), parse_id(version, "task", whole=value))


@dataclass(frozen=True)
class LaunchRef:
    """ "launch_id:version": the Launch / Not now buttons of one launch prompt."""

    launch_id: int
    version: int

    def format(self) -> str:
        return f"{self.launch_id}:{self.version}"

    @classmethod
    def parse(cls, value: object) -> LaunchRef:
        if not isinstance(value, str) or value.count(":") != 1:
            raise MalformedValue("launch", value)
        launch_id, version = value.split(":")
        return cls(
            parse_id(launch_id, "launch", whole=value), parse_id(version, "launch", whole=value)
        )


@dataclass(frozen=True)
class PersonRef:
    """ "U0123ABC": a person's Slack user id (the confirmation of `/mops forget`)."""

    user_id: str

    def format(self) -> str:
        return self.user_id

    @classmethod
    def parse(cls, value: object) -> PersonRef:
        if not isinstance(value, str) or not _USER_ID.fullmatch(value):
            raise MalformedValue("person", value)
        return cls(value)


_SNAKE = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class ChecklistRef:
    """ "brief_id:round:stage:item": a checklist item's Tick button, for one review round."""

    brief_id: int
    round: int
    stage: str
    item: str

    def format(self) -> str:
        return f"{self.brief_id}:{self.round}:{self.stage}:{self.item}"

    @classmethod
    def parse(cls, value: object) -> ChecklistRef:
        parts = value.split(":") if isinstance(value, str) else []
        if len(parts) != 4 or not all(_SNAKE.fullmatch(part) for part in parts[2:]):
            raise MalformedValue("checklist", value)
        return cls(
            parse_id(parts[0], "checklist", whole=value),
            parse_id(parts[1], "checklist", whole=value),
            parts[2],
            parts[3],
        )


@dataclass(frozen=True)
class RowRef:
    """ "id": the button of one row (an asset's Fix details, a variant's Edit & accept)."""

    row_id: int

    def format(self) -> str:
        return str(self.row_id)

    @classmethod
    def parse(cls, value: object) -> RowRef:
        return cls(parse_id(value, "row"))
