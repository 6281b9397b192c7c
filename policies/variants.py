"""The policy's `variants` section: which channel variants the bot drafts from a brief's master
copy, each channel's length and how that channel counts it, and which channels a brief names.

Pure data; the drafting itself is bot.pipeline.variants.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, model_validator

from policies.cross_checks import Problem, cross_checked
from policies.refs import SnakeName


class Counting(StrEnum):
    """How a channel counts characters."""

    CHARACTERS = "characters"  # every character is one (email subjects, meta descriptions)
    X = "x"  # X's weighted length: links 23, most CJK and emoji 2
    SMS = "sms"  # one SMS: 160 in GSM-7 (extension characters take 2), 70 once one is not


class VariantChannel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1)
    # The most the bot drafts; for SMS the GSM-7 limit (an SMS outside GSM-7 holds 70).
    max_length: int = Field(ge=10, le=3000)
    counting: Counting = Counting.CHARACTERS
    # Text every variant ends with, counted in the length (an SMS's opt-out).
    append: str = ""
    # At most this many sentences of the master (an email subject reads as one line).
    sentences: int | None = Field(None, ge=1)
    # The compliance rules' channel its variants are linted as (length, required text, tone);
    # None: only the claims are checked.
    lint_channel: str | None = None


class Variants(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The brief form's field with the master copy (prefilled in the drafting form).
    master_field: SnakeName = "key_message"
    # The brief form's field that names its channels, and which variants each of its answers needs.
    brief_field: SnakeName = "channel_mix"
    channels: dict[SnakeName, VariantChannel] = {}
    for_brief: dict[str, list[SnakeName]] = {}

    @model_validator(mode="wrap")
    @classmethod
    def _checks(cls, data: Any, handler: ModelWrapValidatorHandler[Variants]) -> Variants:
        return cross_checked(cls.__name__, data, handler, _unknown_channels)

    def channels_for(self, answer: object) -> list[str]:
        """The variant channels a brief's answer names, in the policy's order."""
        wanted = set(self.for_brief.get(str(answer), []))
        return [name for name in self.channels if name in wanted]


def _unknown_channels(data: Any) -> list[Problem]:
    if not isinstance(data, dict):
        return []
    channels, for_brief = data.get("channels"), data.get("for_brief")
    if not isinstance(for_brief, dict):
        return []
    if not isinstance(channels, dict):
        channels = {}
    return [
        (
            ("for_brief", answer, i),
            f"unknown variant channel '{name}' (not under variants.channels)",
        )
        for answer, names in for_brief.items()
        if isinstance(names, list)
        for i, name in enumerate(names)
        if name not in channels
    ]
