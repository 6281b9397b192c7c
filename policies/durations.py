"""Business durations as people write them in policy: "2 business days", "16 business hours".

A business day is as long as the team's business hours (09:00-17:30 is 8.5 hours), so days are
converted with the calendar the policy declares, not with a fixed 8.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*business\s+(hour|hours|day|days)\s*$", re.IGNORECASE)


class BusinessDuration(BaseModel):
    model_config = ConfigDict(frozen=False)

    amount: float
    unit: str  # "hours" | "days"
    hours_per_day: float = 8.0

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, dict | BusinessDuration):
            return value
        match = _PATTERN.match(str(value))
        if not match:
            raise ValueError(
                f"'{value}' is not a duration like '2 business days' or '16 business hours'"
            )
        amount = float(match.group(1))
        if amount <= 0:
            raise ValueError("a duration must be more than 0")
        return {
            "amount": amount,
            "unit": "days" if match.group(2).lower().startswith("day") else "hours",
        }

    @property
    def business_hours(self) -> float:
        return self.amount * self.hours_per_day if self.unit == "days" else self.amount

    @model_serializer
    def _text(self) -> str:
        return f"{self.amount:g} business {self.unit}"

    def __str__(self) -> str:
        return self._text()
