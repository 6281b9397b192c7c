"""The intake taxonomy file's shape (policies/intake.yaml): labels, their routes and examples.

Nothing about the labels lives in code: the classifier learns whatever labels this file names, and
the intake service routes by `route_for(label)`. `out_of_scope` is reserved for what is not a
marketing request; its examples teach the model what to hand to a person.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from policies.refs import GroupHandle, SnakeName
from policies.schema import Strict
from policies.yaml_files import PolicyError, format_errors, problems_in, read_yaml

OUT_OF_SCOPE = "out_of_scope"
MIN_EXAMPLES = 25


class Route(Strict):
    owner_group: GroupHandle
    offer_brief: bool = False  # offer to open a brief pre-filled from the message


class Label(Strict):
    description: str = Field(min_length=1)
    route: Route
    examples: list[str] = Field(min_length=MIN_EXAMPLES)

    @field_validator("examples")
    @classmethod
    def _examples(cls, value: list[str]) -> list[str]:
        cleaned = [text.strip() for text in value]
        if any(not text for text in cleaned):
            raise ValueError("an example is empty")
        return cleaned


class Training(Strict):
    # L2 strengths tried for the head; cross-validation picks one.
    l2_candidates: list[float] = Field([1e-5, 1e-4, 1e-3], min_length=1)
    head_iterations: int = Field(200, ge=10, le=5000)  # L-BFGS iterations of the head
    holdout_fraction: float = Field(0.2, ge=0, lt=0.5)
    calibration_folds: int = Field(5, ge=2, le=20)
    finetune_epochs: int = Field(0, ge=0, le=20)
    finetune_learning_rate: float = Field(1e-4, gt=0, le=1e-2)
    batch_size: int = Field(32, ge=4, le=512)
    seed: int = 13

    @field_validator("l2_candidates")
    @classmethod
    def _positive(cls, value: list[float]) -> list[float]:
        if any(v < 0 for v in value):
            raise ValueError("L2 strengths are zero or more")
        return value


class Settings(Strict):
    confidence_threshold: float = Field(0.6, ge=0, le=1)
    margin: float = Field(0.15, ge=0, le=1)
    training: Training = Training()


class UrgencyCues(Strict):
    extra_cues: list[str] = []  # regular expressions, case-insensitive
    extra_calm: list[str] = []

    @field_validator("extra_cues", "extra_calm")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
        return value


class IntakeTaxonomy(Strict):
    settings: Settings = Settings()
    urgency: UrgencyCues = UrgencyCues()
    labels: dict[SnakeName, Label] = Field(min_length=2)
    out_of_scope_examples: list[str] = []

    @field_validator("labels")
    @classmethod
    def _reserved(cls, value: dict[str, Label]) -> dict[str, Label]:
        if OUT_OF_SCOPE in value:
            raise ValueError(
                f"'{OUT_OF_SCOPE}' is reserved: list those under out_of_scope_examples"
            )
        return value

    @model_validator(mode="after")
    def _one_label_per_text(self) -> IntakeTaxonomy:
        seen: dict[str, str] = {}
        for text, label in self.examples():
            key = text.casefold()
            if key in seen and seen[key] != label:
                raise ValueError(f"example {text!r} is under both {seen[key]} and {label}")
            seen[key] = label
        return self

    def route_for(self, label: str) -> Route:
        return self.labels[label].route

    def examples(self) -> list[tuple[str, str]]:
        """Every example as (text, label), the out-of-scope ones labelled `out_of_scope`."""
        pairs = [(text, name) for name, label in self.labels.items() for text in label.examples]
        return pairs + [
            (text.strip(), OUT_OF_SCOPE) for text in self.out_of_scope_examples if text.strip()
        ]

    def owner_groups(self) -> list[str]:
        return sorted({label.route.owner_group for label in self.labels.values()})


def load_intake(path: Path | str) -> IntakeTaxonomy:
    """The validated taxonomy in `path`; raises PolicyError listing every problem with its path."""
    path = Path(path)
    data, _ = read_yaml(path)
    if not isinstance(data, dict):
        raise PolicyError([f"{path}: expected settings (a mapping) at the top level"])
    try:
        return IntakeTaxonomy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(format_errors(exc)) from None


def check_intake_file(path: Path | str) -> list[str]:
    return problems_in(load_intake, path)


if __name__ == "__main__":  # python -m policies.intake_schema policies/intake.yaml
    problems = check_intake_file(sys.argv[1] if len(sys.argv) > 1 else "policies/intake.yaml")
    print("\n".join(problems) or "ok")
    sys.exit(1 if problems else 0)
