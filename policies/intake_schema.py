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
OUT_OF_SCOPE_TITLE = "Not a marketing request"
MIN_EXAMPLES = 25
# A label's title is button and menu-option text, which Slack cuts at 75 characters; the question
# to a person adds its likelihood to the title ("UTM links (62%)"), up to " (100%)".
MAX_TITLE = 75 - len(" (100%)")


class Route(Strict):
    owner_group: GroupHandle
    offer_brief: bool = False  # offer to open a brief pre-filled from the message


class Reply(Strict):
    """A pre-approved answer the bot posts in the thread when it is sure a request is this
    routine kind (deflection). `version` goes in the audit trail with every reply sent; raise it
    when the text changes. The compliance lint must find nothing in it (policy check)."""

    version: int = Field(ge=1)
    text: str = Field(min_length=1, max_length=3000)


class Label(Strict):
    description: str = Field(min_length=1)
    # What people read for this label (messages, buttons, the label menu); without one, its name
    # capitalised ("campaign_brief" reads "Campaign brief").
    title: str | None = None
    route: Route
    examples: list[str] = []  # here, or under the label's name in `examples_file`
    reply: Reply | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is None:
            return None
        title = " ".join(value.split())
        if not 1 <= len(title) <= MAX_TITLE:
            raise ValueError(
                f"a title needs 1 to {MAX_TITLE} characters: it is the text of a button, with "
                'its likelihood after it ("UTM links (62%)"), and Slack\'s limit for that is 75'
            )
        return title

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
    # k of the k-fold cross-validation that fits the temperature, chooses the threshold and
    # margin, and judges a retrain (every example also trains the final model).
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


class Target(Strict):
    """What the threshold and margin are chosen for, on cross-validated predictions: at least
    `routed_accuracy` right among the requests the bot routes on its own, or at most `to_person`
    of the in-scope requests handed to a person. Exactly one of the two."""

    routed_accuracy: float | None = Field(None, gt=0, le=1)
    to_person: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _one(self) -> Target:
        if (self.routed_accuracy is None) == (self.to_person is None):
            raise ValueError("name exactly one of routed_accuracy or to_person")
        return self


class Settings(Strict):
    # Used as written when there is no `target`; with one, training chooses both from data.
    confidence_threshold: float = Field(0.6, ge=0, le=1)
    margin: float = Field(0.15, ge=0, le=1)
    target: Target | None = None
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
    # A YAML file next to this one: `label: [examples...]` and `out_of_scope: [...]`, added to
    # the examples written here (load_intake merges them).
    examples_file: str | None = None

    @field_validator("labels")
    @classmethod
    def _reserved(cls, value: dict[str, Label]) -> dict[str, Label]:
        if OUT_OF_SCOPE in value:
            raise ValueError(
                f"'{OUT_OF_SCOPE}' is reserved: list those under out_of_scope_examples"
            )
        return value

    @model_validator(mode="after")
    def _enough_examples(self) -> IntakeTaxonomy:
        few = [name for name, label in self.labels.items() if len(label.examples) < MIN_EXAMPLES]
        if few:
            raise ValueError(
                f"labels {', '.join(few)}: at least {MIN_EXAMPLES} examples each "
                "(here or in examples_file)"
            )
        return self

    @model_validator(mode="after")
    def _one_label_per_text(self) -> IntakeTaxonomy:
        seen: dict[str, str] = {}
        for text, label in self.examples():
            key = text.casefold()
            if key in seen and seen[key] != label:
                raise ValueError(f"example {text!r} is under both {seen[key]} and {label}")
            seen[key] = label
        return self

    @model_validator(mode="after")
    def _titles_tell_labels_apart(self) -> IntakeTaxonomy:
        seen: dict[str, str] = {OUT_OF_SCOPE_TITLE.casefold(): OUT_OF_SCOPE}
        for name in self.labels:
            key = self.title_of(name).casefold()
            if key in seen:
                raise ValueError(
                    f"labels {seen[key]} and {name} both read {self.title_of(name)!r}: "
                    "people pick a label by its title"
                )
            seen[key] = name
        return self

    def route_for(self, label: str) -> Route:
        return self.labels[label].route

    def title_of(self, label: str) -> str:
        """What people read for `label`: its title, else its name capitalised (a label no longer
        in this file, named by an old request, too)."""
        if label == OUT_OF_SCOPE:
            return OUT_OF_SCOPE_TITLE
        known = self.labels.get(label)
        if known is not None and known.title:
            return known.title
        return label.replace("_", " ").capitalize()

    def examples(self) -> list[tuple[str, str]]:
        """Every example as (text, label), the out-of-scope ones labelled `out_of_scope`."""
        pairs = [(text, name) for name, label in self.labels.items() for text in label.examples]
        return pairs + [
            (text.strip(), OUT_OF_SCOPE) for text in self.out_of_scope_examples if text.strip()
        ]

    def replies(self) -> dict[str, Reply]:
        """The labels that deflect, with their pre-approved reply."""
        return {name: label.reply for name, label in self.labels.items() if label.reply}

    def owner_groups(self) -> list[str]:
        return sorted({label.route.owner_group for label in self.labels.values()})


def load_intake(path: Path | str) -> IntakeTaxonomy:
    """The validated taxonomy in `path`; raises PolicyError listing every problem with its path."""
    path = Path(path)
    data, _ = read_yaml(path)
    if not isinstance(data, dict):
        raise PolicyError([f"{path}: expected settings (a mapping) at the top level"])
    if isinstance(data.get("examples_file"), str):
        data = _with_examples_file(data, path.parent / data["examples_file"])
    try:
        return IntakeTaxonomy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(format_errors(exc)) from None


def _with_examples_file(data: dict, examples_path: Path) -> dict:
    """`data` with the examples of `examples_path` added to its labels and out-of-scope list."""
    name = f"examples_file ({examples_path.name})"
    extra, _ = read_yaml(examples_path, name)
    if not isinstance(extra, dict):
        raise PolicyError([f"{name}: expected `label: [examples]` (a mapping) at the top level"])
    labels = data["labels"] if isinstance(data.get("labels"), dict) else {}
    problems: list[str] = []
    merged = {
        key: dict(value) if isinstance(value, dict) else value for key, value in labels.items()
    }
    for label, texts in extra.items():
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            problems.append(f"{name}.{label}: expected a list of example messages")
        elif label == OUT_OF_SCOPE:
            continue
        elif not isinstance(merged.get(label), dict):
            problems.append(f"{name}.{label}: not a label of the taxonomy")
        else:
            merged[label]["examples"] = [*merged[label].get("examples", []), *texts]
    if problems:
        raise PolicyError(problems)
    return {
        **data,
        "labels": merged,
        "out_of_scope_examples": [
            *data.get("out_of_scope_examples", []),
            *extra.get(OUT_OF_SCOPE, []),
        ],
    }


def check_intake_file(path: Path | str) -> list[str]:
    return problems_in(load_intake, path)


if __name__ == "__main__":  # python -m policies.intake_schema policies/intake.yaml
    problems = check_intake_file(sys.argv[1] if len(sys.argv) > 1 else "policies/intake.yaml")
    print("\n".join(problems) or "ok")
    sys.exit(1 if problems else 0)
