"""The policy file: loads, versions, and reports every error with its path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import PACKAGE_POLICY
from policies import access
from policies.loader import PolicyError, PolicyStore, check_policy_file, load_policy
from policies.schema import clean_submission, validate_submission


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def data() -> dict:
    return yaml.safe_load(PACKAGE_POLICY.read_text())


def test_default_policy_loads() -> None:
    policy = load_policy(PACKAGE_POLICY)
    assert [stage.name for stage in policy.workflows.brief.stages] == ["brand", "legal"]
    # "2 business days" of 09:00-17:30 days
    assert policy.stage("brand").sla.business_hours == pytest.approx(17.0)
    assert policy.reminders.repeat_every.business_hours == 4
    assert len(policy.version) == 12


def test_version_follows_content(tmp_path: Path, data: dict) -> None:
    first = load_policy(write(tmp_path, data)).version
    assert load_policy(write(tmp_path, data)).version == first
    data["reminders"]["first_at"] = 0.5
    assert load_policy(write(tmp_path, data)).version != first


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["workflows"]["brief"]["stages"][1].update(approvers=["@legal-teem"]),
     "workflows.brief.stages[1].approvers[0]: unknown group '@legal-teem'"),
    (lambda d: d["workflows"]["brief"]["stages"].append(dict(d["workflows"]["brief"]["stages"][0])),
     "workflows.brief.stages: duplicate stage names: brand"),
    (lambda d: d["workflows"]["brief"]["template"]["fields"][3].pop("choices"),
     "workflows.brief.template.fields[3]: a select field needs a non-empty 'choices' list"),
    (lambda d: d["business_hours"].update(timezone="Mars/Olympus"),
     "business_hours.timezone: 'Mars/Olympus' is not an IANA time zone"),
    (lambda d: d["business_hours"]["holidays"].update(country="XX"),
     "business_hours.holidays: 'XX' is not a country code"),
    (lambda d: d["workflows"]["brief"]["stages"][0].update(sla="2 days"),
     "workflows.brief.stages[0].sla: '2 days' is not a duration"),
    (lambda d: d["roles"].update(cancle=["requester"]),
     "roles.cancle: unknown setting"),
    (lambda d: d["intake"].update(triage_group="@nobody"),
     "intake.triage_group: unknown group '@nobody'"),
])
def test_errors_name_their_path(tmp_path: Path, data: dict, change, expected: str) -> None:  # type: ignore[no-untyped-def]
    change(data)
    errors = check_policy_file(write(tmp_path, data))
    assert any(error.startswith(expected) for error in errors), errors


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\ngroups: {oops\n")
    (error,) = check_policy_file(path)
    assert "YAML syntax error at line" in error


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "nope.yaml")
    assert "no such file" in caught.value.errors[0]


def test_store_keeps_the_old_policy_when_the_new_one_is_invalid(tmp_path: Path, data: dict) -> None:
    path = write(tmp_path, data)
    store = PolicyStore(path)
    before = store.current.version
    path.write_text("name: [")
    assert store.reload()
    assert store.current.version == before


def test_submission_validation() -> None:
    template = load_policy(PACKAGE_POLICY).workflows.brief.template
    errors = validate_submission(template, {"title": "", "objective": "short", "channel_mix": "Fax",
                                            "launch_date": "next week", "budget": "-5",
                                            "links": "javascript:alert(1)"})
    assert set(errors) == {"title", "objective", "audience", "channel_mix", "launch_date", "budget", "links"}
    good = {"title": " Launch ", "objective": "Grow signups by 20%", "audience": "SMB",
            "channel_mix": "Email", "launch_date": "2027-03-01", "budget": "1,500"}
    assert validate_submission(template, good) == {}
    cleaned = clean_submission(template, good)
    assert cleaned["title"] == "Launch" and cleaned["budget"] == 1500 and cleaned["links"] is None


def test_access() -> None:
    policy = load_policy(PACKAGE_POLICY)
    refs = access.stage_approver_refs(policy, "brand")
    assert access.may_decide(refs, "U02BRAM", {"S01BRAND"}, policy)
    assert not access.may_decide(refs, "U05SAM", {"S04TRIAGE"}, policy)
    assert access.describe_approvers(refs, policy) == "<!subteam^S01BRAND|@brand-team>"
    assert access.is_ops_admin(policy, "U04OMAR", {"S03OPS"})
    assert access.may_cancel(policy, {"requester"}) and not access.may_cancel(policy, {"approver"})
    assert access.stage_approver_refs(policy, "legal") == ["@legal-team"]
