"""The policy's `assets` section: what a draft or link attached to a brief must carry (file name
convention, UTM parameters, image sizes per channel) and the stage checklists' template file."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SIZE = re.compile(r"^([1-9][0-9]{1,4})x([1-9][0-9]{1,4})$")


class FileNames(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str  # a regular expression the whole file name must match
    example: str  # shown to people with a name that doesn't: it must match too
    description: str = ""  # the convention in words

    @model_validator(mode="after")
    def _example_matches(self) -> FileNames:
        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"pattern is not a regular expression: {exc}") from None
        if not compiled.fullmatch(self.example):
            raise ValueError(f"the example '{self.example}' doesn't match the pattern")
        return self

    def matches(self, name: str) -> bool:
        return re.fullmatch(self.pattern, name) is not None


class Assets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Stage checklists (entry and exit criteria), next to this file; none when left out.
    checklists_file: str | None = None
    file_names: FileNames | None = None
    # Every link attached to a brief must carry these query parameters.
    utm_parameters: list[str] = ["utm_source", "utm_medium", "utm_campaign"]
    # Image sizes a channel takes ("1200x628"), by variant channel name.
    image_sizes: dict[str, list[str]] = {}
    max_caption: int = Field(3000, ge=1)

    @field_validator("image_sizes")
    @classmethod
    def _sizes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for channel, sizes in value.items():
            bad = [size for size in sizes if not SIZE.match(size)]
            if bad:
                raise ValueError(f"{channel}: '{bad[0]}' is not a size like 1200x628")
        return value
