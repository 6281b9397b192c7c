"""The pipeline's policy: `mopsbot policy check` names unknown stages and tasks, cycles, tasks
without an owner or a date, and fields that don't exist; the planner orders the graph."""

from __future__ import annotations

from datetime import date
from graphlib import CycleError
from pathlib import Path

import pytest
import yaml

from bot.app.config import PACKAGE_POLICY
from bot.cli.main import main
from bot.pipeline.due import business_day_before
from bot.sla.calendar import calendar_for
from policies.loader import load_policy
from policies.pipeline import find_cycle, plan
from tests.support.pipeline import TASKS


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str], pipeline: dict) -> list[str]:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data["compliance"]["rules_file"] = str(PACKAGE_POLICY.parent / "compliance.yaml")
    data["intake"]["taxonomy_file"] = str(PACKAGE_POLICY.parent / "intake.yaml")
    data["assets"]["checklists_file"] = str(PACKAGE_POLICY.parent / "checklists.yaml")
    data["pipeline"] = pipeline
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    status = main(["policy", "check", str(path)])
    out = capsys.readouterr().out.splitlines()
    assert status == (0 if out == [f"{path}: ok"] else 1)
    return out


def test_the_test_pipeline_is_valid_and_part_of_the_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(tmp_path, capsys, {"tasks": TASKS}) == [f"{tmp_path / 'policy.yaml'}: ok"]
    with_tasks = load_policy(tmp_path / "policy.yaml")
    assert with_tasks.pipeline.task("copy_draft") is not None
    assert with_tasks.version != load_policy(PACKAGE_POLICY).version


def test_every_pipeline_error_is_reported_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = [
        {"name": "copy_draft", "label": "Copy", "due": 3},  # no owner
        {
            "name": "design",
            "label": "Design",
            "owner": "@design-teem",
            "due": 2,
            "depends_on": ["copy_drafts", "legal", "review"],
        },  # unknown group, task, stage
        {"name": "web", "label": "Web", "owner": "U04OMAR", "when": {"region": ["EU"]}},
    ]
    out = check(tmp_path, capsys, {"tasks": tasks, "launch_date_field": "budget"})
    assert sorted(out) == sorted(
        [
            "pipeline.tasks[0].owner: required setting is missing",
            "pipeline.tasks[1].owner: unknown group '@design-teem' (declare it under 'groups')",
            "pipeline.tasks[1].depends_on[0]: 'copy_drafts' is neither a task nor a review stage",
            "pipeline.tasks[1].depends_on[2]: 'review' is neither a task nor a review stage",
            "pipeline.tasks[2]: task 'web' needs `due` (business days before "
            "launch) or `sla`, or nobody is ever reminded of it",
            "pipeline.tasks[2].when: 'region' is not a field of the brief form",
            "pipeline.launch_date_field: 'budget' must be a date field of the brief form",
        ]
    ), out


def test_a_cycle_is_named_around_its_tasks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = [
        {
            "name": "a",
            "label": "A",
            "owner": "U04OMAR",
            "sla": "1 business day",
            "depends_on": ["c"],
        },
        {
            "name": "b",
            "label": "B",
            "owner": "U04OMAR",
            "sla": "1 business day",
            "depends_on": ["a"],
        },
        {
            "name": "c",
            "label": "C",
            "owner": "U04OMAR",
            "sla": "1 business day",
            "depends_on": ["b"],
        },
    ]
    (line,) = check(tmp_path, capsys, {"tasks": tasks})
    assert line.startswith("pipeline: tasks depend on each other in a circle: ")
    assert sorted(line.split(": ")[-1].split(" → ")[:3]) == ["a", "b", "c"]


def test_a_task_due_before_what_it_depends_on_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = [
        {
            "name": "copy",
            "label": "Copy",
            "owner": "U04OMAR",
            "due": "1 business day before launch",
        },
        {"name": "design", "label": "Design", "owner": "U04OMAR", "due": 4, "depends_on": ["copy"]},
    ]
    (line,) = check(tmp_path, capsys, {"tasks": tasks})
    assert "task 'design' is due 4 business days before launch, earlier than 'copy'" in line


def test_due_must_count_whole_business_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = [{"name": "copy", "label": "Copy", "owner": "U04OMAR", "due": "16 business hours"}]
    (line,) = check(tmp_path, capsys, {"tasks": tasks})
    assert "is not a count like '3 business days before launch'" in line


def test_the_planner_puts_independent_tasks_in_one_wave() -> None:
    graph = {
        "copy": [],
        "design": ["copy"],
        "email": ["copy"],
        "page": ["design", "email"],
        "x": [],
    }
    assert plan(graph).waves == [["copy", "x"], ["design", "email"], ["page"]]
    assert plan({"a": ["legal"]}).waves == [["a"]]  # a stage is not a task of the graph
    assert find_cycle({"a": ["b"], "b": ["a"]}) in (["a", "b", "a"], ["b", "a", "b"])
    with pytest.raises(CycleError):
        plan({"a": ["a"]})


def test_due_dates_count_back_over_weekends_and_holidays() -> None:
    calendar = calendar_for(load_policy(PACKAGE_POLICY))
    monday = date(2027, 3, 1)
    assert business_day_before(calendar, monday, 0) == monday
    assert business_day_before(calendar, monday, 1) == date(2027, 2, 26)  # Friday
    assert business_day_before(calendar, monday, 5) == date(2027, 2, 22)
    # Presidents' Day, Monday 15 February 2027, is not a business day in the US calendar.
    assert business_day_before(calendar, date(2027, 2, 16), 1) == date(2027, 2, 12)
    assert business_day_before(calendar, date(2027, 2, 27), 0) == date(2027, 2, 26)  # Saturday


def test_the_example_policy_is_the_package_policy_with_tasks() -> None:
    example = yaml.safe_load(
        (PACKAGE_POLICY.parents[1] / "examples/pipeline-policy.yaml").read_text()
    )
    package = yaml.safe_load(PACKAGE_POLICY.read_text())
    assert [task["name"] for task in example["pipeline"].pop("tasks")] == [
        "copy_draft",
        "design_asset",
        "landing_page",
        "email_build",
    ]
    package["pipeline"].pop("tasks")
    for named in (
        ("compliance", "rules_file"),
        ("intake", "taxonomy_file"),
        ("assets", "checklists_file"),
    ):
        assert example[named[0]].pop(named[1]) == f"../policies/{package[named[0]].pop(named[1])}"
    assert example == package
