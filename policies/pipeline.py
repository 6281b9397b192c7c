"""From approved brief to launch: the tasks a brief's approval creates and when a launch may go.
Pure pydantic plus the planner (stdlib graphlib), part of the policy file and its version.

A task names its owner (a group, taken in turns, or one person), when it is due (business days
before the launch date), how long it may take once it can start (its SLA, for reminders), and the
tasks or review stages it depends on. `depends_on` makes a graph; `plan` orders it and reports a
cycle, so `mopsbot policy check` can refuse one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from policies.durations import BusinessDuration
from policies.refs import ApproverRef, SnakeName

_DAYS_BEFORE = re.compile(r"^\s*(\d+)\s*business\s+days?\s*(before\s+launch)?\s*$", re.IGNORECASE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskTemplate(_Strict):
    """One piece of work an approved brief needs before it can launch."""

    name: SnakeName
    label: str = Field(min_length=1, max_length=80)
    # A group handle ("@design-team": its members take turns) or one person's user id.
    owner: ApproverRef
    # Counted back from the brief's launch date, in business days ("3 business days before
    # launch"); 0 means on the launch day itself. None: no date, only the SLA.
    due: int | None = None
    # How long it may take once it can start (its dependencies done): reminders and escalation
    # as for review stages. None: the due date alone drives them.
    sla: BusinessDuration | None = None
    depends_on: list[SnakeName] = []
    # Only for briefs whose field has one of these values ({"channel_mix": ["Email"]}).
    when: dict[SnakeName, list[str]] = {}
    # A launch waits for it (False: nice to have, never blocks).
    required: bool = True

    @field_validator("due", mode="before")
    @classmethod
    def _due(cls, value: Any) -> Any:
        if value is None or isinstance(value, int):
            return value
        match = _DAYS_BEFORE.match(str(value))
        if not match:
            raise ValueError(
                f"'{value}' is not a count like '3 business days before launch' "
                "(due dates count back in whole business days)"
            )
        return int(match.group(1))

    @field_validator("due")
    @classmethod
    def _not_negative(cls, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise ValueError("count back 0 or more business days (0 is the launch day)")
        return value

    @model_validator(mode="after")
    def _when_is_dated(self) -> TaskTemplate:
        if self.due is None and self.sla is None:
            raise ValueError(
                f"task '{self.name}' needs `due` (business days before launch) or `sla`, "
                "or nobody is ever reminded of it"
            )
        if self.name in self.depends_on:
            raise ValueError(f"task '{self.name}' can't depend on itself")
        return self

    def applies_to(self, fields: Mapping[str, Any]) -> bool:
        """Whether a brief with these field values needs this task."""
        return all(str(fields.get(field)) in values for field, values in self.when.items())


class Pipeline(_Strict):
    # The brief field due dates count back from (a date field of the template).
    launch_date_field: SnakeName = "launch_date"
    # The brief field that names its channel, and the channels whose launch goes by itself when
    # ready; every other launch waits for a person's Confirm click (it can't be undone).
    channel_field: SnakeName | None = "channel_mix"
    auto_launch: list[str] = []
    tasks: list[TaskTemplate] = []

    @model_validator(mode="after")
    def _graph(self) -> Pipeline:
        by_name = {task.name: task for task in self.tasks}
        if len(by_name) < len(self.tasks):
            names = Counter(task.name for task in self.tasks)
            dupes = sorted(name for name, count in names.items() if count > 1)
            raise ValueError(f"duplicate task names: {', '.join(dupes)}")
        # Unknown names are the Policy's to report (a dependency may be a review stage).
        cycle = find_cycle({t.name: t.depends_on for t in self.tasks})
        if cycle:
            raise ValueError(f"tasks depend on each other in a circle: {' → '.join(cycle)}")
        for task in self.tasks:
            for dep in task.depends_on:
                earlier = by_name.get(dep)
                dues = (earlier.due if earlier else None, task.due)
                if dues[0] is not None and dues[1] is not None and dues[0] < dues[1]:
                    raise ValueError(
                        f"task '{task.name}' is due {task.due} business days before launch, "
                        f"earlier than '{dep}' it depends on ({dues[0]})"
                    )
        return self

    def task(self, name: str) -> TaskTemplate | None:
        return next((task for task in self.tasks if task.name == name), None)

    def tasks_for(self, fields: Mapping[str, Any]) -> list[TaskTemplate]:
        return [task for task in self.tasks if task.applies_to(fields)]

    def auto_launches(self, fields: Mapping[str, Any]) -> bool:
        if self.channel_field is None:
            return False
        return str(fields.get(self.channel_field)) in self.auto_launch


# -- the planner ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Tasks in waves: each wave's tasks depend only on earlier waves, so they run in parallel."""

    waves: list[list[str]]

    @property
    def order(self) -> list[str]:
        return [name for wave in self.waves for name in wave]


def plan(graph: Mapping[str, Iterable[str]]) -> Plan:
    """{task: the tasks it depends on} in waves of independent tasks, each wave sorted by name.
    Dependencies not in the graph are ignored (stages, or tasks a brief doesn't need). Raises
    graphlib.CycleError on a cycle."""
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for name, deps in graph.items():
        sorter.add(name, *(dep for dep in deps if dep in graph))
    sorter.prepare()
    waves = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        waves.append(ready)
        sorter.done(*ready)
    return Plan(waves)


def find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str]:
    """The names around a cycle (first repeated at the end), or [] when there is none."""
    try:
        plan(graph)
    except CycleError as exc:
        return [str(name) for name in reversed(exc.args[1])]
    return []
