"""Stage checklists: a versioned template (policies/checklists.yaml, named by the policy's
`assets.checklists_file`) of entry and exit criteria per stage.

Each item is checked either by a rule the bot evaluates (`rule:`, from RULES) or by a person who
ticks it in the brief's thread (`owner:`: a group, a user id, or `requester`). A stage can't be
left while a required exit item of it, or a required entry item of the stage after it, is open.
Stages are the workflow's review stages, the compliance gate stages, and `launch` (from approved
to scheduled and live).

Pure: the rules are evaluated by bot.pipeline.checklists against the brief's assets and variants.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from policies.refs import SnakeName
from policies.yaml_files import PolicyError, format_errors, read_yaml

LAUNCH = "launch"  # the stage from approved to live: its exit is the launch

# The rules the bot checks by itself, and what each means (shown beside an open item).
RULES = {
    "alt_text": "every image attached to the brief has alt text",
    "utm_links": "every link attached to the brief carries its UTM parameters",
    "file_names": "every file attached follows the file name convention",
    "image_sizes": "every image has a size its channel takes",
    "captions": "every attached draft's caption passes the copy lint",
    "assets_attached": "at least one draft or asset is attached to the brief",
    "variants_accepted": "every channel variant the brief needs was accepted by a person",
}
REQUESTER = "requester"


class ChecklistsError(PolicyError):
    """The checklist template can't be used; `.errors` lists every problem."""


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: SnakeName
    label: str = Field(min_length=1, max_length=150)
    rule: str | None = None
    owner: str | None = None  # "@group", a user id, or "requester"
    required: bool = True

    @model_validator(mode="after")
    def _rule_or_owner(self) -> Item:
        if self.rule is None and self.owner is None:
            raise ValueError(
                f"item '{self.id}' has neither a rule (checked by the bot) nor an owner "
                "(a person ticks it)"
            )
        if self.rule is not None and self.owner is not None:
            raise ValueError(f"item '{self.id}' has both a rule and an owner; choose one")
        if self.rule is not None and self.rule not in RULES:
            raise ValueError(f"unknown rule '{self.rule}'; rules are {', '.join(RULES)}")
        return self


class StageChecklist(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entry: list[Item] = []
    exit: list[Item] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> StageChecklist:
        ids = [item.id for item in [*self.entry, *self.exit]]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate item ids: {', '.join(dupes)}")
        return self


class Checklists(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)  # bump when you change the items; stored with every tick
    stages: dict[SnakeName, StageChecklist] = {}

    def items(self, stage: str | None, when: str) -> list[Item]:
        checklist = self.stages.get(stage or "")
        if checklist is None:
            return []
        return list(checklist.entry if when == "entry" else checklist.exit)

    def item(self, stage: str, item_id: str) -> Item | None:
        both = [*self.items(stage, "entry"), *self.items(stage, "exit")]
        return next((item for item in both if item.id == item_id), None)


def load_checklists(path: Path) -> Checklists:
    data, _ = read_yaml(path)
    if not isinstance(data, dict):
        raise ChecklistsError([f"{path}: expected a mapping at the top level"])
    try:
        checklists = Checklists.model_validate(data)
    except ValidationError as exc:
        raise ChecklistsError(format_errors(exc)) from None
    return checklists


def agreement_errors(checklists: Checklists, stages: list[str], groups: set[str]) -> list[str]:
    """Where the template and the policy disagree: unknown stages, undeclared owner groups, entry
    criteria on the first stage (nothing comes before it to be held back)."""
    known = list(dict.fromkeys([*stages, LAUNCH]))
    errors = [
        f"stages.{name}: unknown stage '{name}'; stages are {', '.join(known)}"
        for name in checklists.stages
        if name not in known
    ]
    for name, checklist in checklists.stages.items():
        for when in ("entry", "exit"):
            for i, item in enumerate(getattr(checklist, when)):
                owner = item.owner
                if owner and owner.startswith("@") and owner not in groups:
                    errors.append(
                        f"stages.{name}.{when}[{i}] ({item.id}).owner: '{owner}' is not "
                        "declared under groups in the policy"
                    )
        if stages and name == stages[0] and checklist.entry:
            errors.append(
                f"stages.{name}.entry: the first stage can't have entry criteria (a brief "
                "enters it when it is submitted)"
            )
    return errors
