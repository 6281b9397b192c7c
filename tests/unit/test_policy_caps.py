"""A brief template that loads always builds its form: Slack's Block Kit limits are checked by
`mopsbot policy check` (naming the field), not discovered by `/brief new` failing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.app.config import PACKAGE_POLICY
from bot.briefs.forms import brief_form
from bot.emulator.validation import view_errors
from policies.loader import check_policy_file, load_policy
from tests.support.policies import NAMED_FILES


def fields(data: dict) -> list[dict]:
    return data["workflows"]["brief"]["template"]["fields"]


def _many_fields(data: dict, count: int) -> None:
    fields(data).extend(
        {"id": f"extra_{i}", "label": f"Extra {i}", "type": "text"}
        for i in range(count - len(fields(data)))
    )


AT_THE_LIMIT: list[tuple[str, Callable[[dict], object]]] = [
    ("100 fields", lambda d: _many_fields(d, 100)),
    ("100 choices", lambda d: fields(d)[3].update(choices=[f"Choice {i}" for i in range(100)])),
    ("a 2000-character hint", lambda d: fields(d)[2].update(help="h" * 2000)),
    ("a 150-character placeholder", lambda d: fields(d)[2].update(placeholder="p" * 150)),
    ("a 75-character choice", lambda d: fields(d)[3].update(choices=["c" * 75, "Other"])),
    ("a 3000-character text input", lambda d: fields(d)[1].update(max_length=3000)),
]
OVER_THE_LIMIT: list[tuple[Callable[[dict], object], str]] = [
    (
        lambda d: _many_fields(d, 101),
        "workflows.brief.template.fields: at most 100 items, not 101",
    ),
    (
        lambda d: fields(d)[3].update(choices=[f"Choice {i}" for i in range(101)]),
        "workflows.brief.template.fields[3] (channel_mix).choices: at most 100 items, not 101",
    ),
    (
        lambda d: fields(d)[2].update(help="h" * 2001),
        "workflows.brief.template.fields[2] (audience).help: String should have at most 2000",
    ),
    (
        lambda d: fields(d)[2].update(placeholder="p" * 151),
        "workflows.brief.template.fields[2] (audience).placeholder: String should have at most 150",
    ),
    (
        lambda d: fields(d)[3].update(choices=["c" * 76, "Other"]),
        "workflows.brief.template.fields[3] (channel_mix): each choice needs 1 to 75 characters",
    ),
    (
        lambda d: fields(d)[2].update(label="l" * 101),
        "workflows.brief.template.fields[2] (audience).label: String should have at most 100",
    ),
    (
        lambda d: fields(d)[1].update(max_length=3001),
        "workflows.brief.template.fields[1] (objective).max_length: Input should be less than",
    ),
]


def _write(tmp_path: Path, change: Callable[[dict], object]) -> Path:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    change(data)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    # The rules and taxonomy files sit next to the policy.
    for name in NAMED_FILES:
        (tmp_path / name).write_text((PACKAGE_POLICY.parent / name).read_text())
    return path


@pytest.mark.parametrize(("name", "change"), AT_THE_LIMIT, ids=[n for n, _ in AT_THE_LIMIT])
def test_a_template_at_slacks_limits_builds_a_form_slack_accepts(
    tmp_path: Path, name: str, change: Callable[[dict], object]
) -> None:
    policy = load_policy(_write(tmp_path, change))
    view = brief_form(policy, channel_id="C01MKTG")  # slack_sdk raises here on a broken limit
    assert view_errors(view) == []


@pytest.mark.parametrize(("change", "expected"), OVER_THE_LIMIT)
def test_policy_check_reports_what_slack_would_refuse(
    tmp_path: Path, change: Callable[[dict], object], expected: str
) -> None:
    errors = check_policy_file(_write(tmp_path, change))
    assert any(error.startswith(expected) for error in errors), errors
