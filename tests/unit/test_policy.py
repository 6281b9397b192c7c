"""The policy file: loads, versions, and reports every error with its path."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.app.config import PACKAGE_POLICY
from policies import access
from policies.loader import PolicyError, PolicyStore, check_policy_file, load_policy
from policies.schema import clean_submission, validate_submission
from tests.support.policies import NAMED_FILES


def write(tmp_path: Path, data: dict, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(autouse=True)
def named_files(tmp_path: Path) -> None:
    """The files the policy names (rules, taxonomy) beside the test's policy files, as they are
    beside the package's."""
    for name in NAMED_FILES:
        shutil.copy(PACKAGE_POLICY.parent / name, tmp_path / name)


@pytest.fixture
def data() -> dict:
    return yaml.safe_load(PACKAGE_POLICY.read_text())


@pytest.fixture(scope="module")
def policy():  # type: ignore[no-untyped-def]
    return load_policy(PACKAGE_POLICY)


def stages(d: dict) -> list[dict]:
    return d["workflows"]["brief"]["stages"]


def fields(d: dict) -> list[dict]:
    return d["workflows"]["brief"]["template"]["fields"]


# -- loading and versions --------------------------------------------------------------------


def test_default_policy_loads(policy) -> None:  # type: ignore[no-untyped-def]
    assert policy.stage_names == ["brand", "legal"]
    # Days are as long as the team's day: "2 business days" of 09:00-17:30 is 17 hours.
    assert policy.stage("brand").sla.business_hours == pytest.approx(17.0)
    assert policy.stage("legal").sla.business_hours == pytest.approx(8.5)
    assert policy.reminders.repeat_every.business_hours == 4
    assert policy.business_hours.end == "17:30" and policy.reminders.quiet_hours.start == "19:00"
    assert policy.channels.briefs == "C01MKTG" and policy.channels.escalations == "C03ESC"
    assert policy.intake.channels == ["C02INTAKE"] and policy.intake.triage_group == "@triage"
    assert policy.compliance.gate_stages == {"legal": ["@legal-team"]}
    assert policy.beside(policy.compliance.rules_file) == PACKAGE_POLICY.parent / "compliance.yaml"
    assert len(policy.version) == 12 and int(policy.version, 16) >= 0


def test_version_follows_content(tmp_path: Path, data: dict) -> None:
    first = load_policy(write(tmp_path, data)).version
    assert load_policy(write(tmp_path, data, "copy.yaml")).version == first
    data["reminders"]["first_at"] = 0.5
    assert load_policy(write(tmp_path, data)).version != first


def test_version_ignores_line_endings(tmp_path: Path) -> None:
    text = PACKAGE_POLICY.read_text()
    unix, windows = tmp_path / "unix.yaml", tmp_path / "windows.yaml"
    unix.write_bytes(text.encode())
    windows.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert load_policy(unix).version == load_policy(windows).version


def test_yaml_reads_as_a_person_means_it(tmp_path: Path) -> None:
    # Unquoted 17:30 would be the number 1050 in YAML 1.1, and NO would be false.
    text = PACKAGE_POLICY.read_text()
    text = text.replace('end: "17:30"', "end: 17:30").replace("country: US", "country: NO")
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    loaded = load_policy(path)
    assert loaded.business_hours.end == "17:30"
    assert loaded.business_hours.holidays.country == "NO"


def test_days_may_be_written_out(tmp_path: Path, data: dict) -> None:
    data["business_hours"]["days"] = ["Tuesday", "mon", "Mon"]
    assert load_policy(write(tmp_path, data)).business_hours.days == ["mon", "tue"]


# -- errors, each with its path --------------------------------------------------------------

CASES: list[tuple[Callable[[dict], object], str]] = [
    (
        lambda d: stages(d)[1].update(approvers=["@legal-teem"]),
        "workflows.brief.stages[1].approvers[0]: unknown group '@legal-teem'",
    ),
    (
        lambda d: stages(d).append(dict(stages(d)[0])),
        "workflows.brief.stages: duplicate stage names: brand",
    ),
    (
        lambda d: fields(d)[3].pop("choices"),
        "workflows.brief.template.fields[3] (channel_mix): a select field needs a non-empty 'choices' list",
    ),
    (
        lambda d: fields(d)[0].update(choices=["a"]),
        "workflows.brief.template.fields[0] (title): 'choices' only goes with type select",
    ),
    (
        lambda d: fields(d)[2].update(id="Target Audience"),
        "workflows.brief.template.fields[2] (Target Audience).id: 'Target Audience' must be snake_case",
    ),
    (
        lambda d: fields(d)[2].update(type="checkbox"),
        "workflows.brief.template.fields[2] (audience).type: Input should be 'text'",
    ),
    (
        lambda d: fields(d)[4].update(lint=True),
        "workflows.brief.template.fields[4] (launch_date): only text and textarea fields are linted, "
        "not date",
    ),
    (
        lambda d: d["business_hours"].update(timezone="Mars/Olympus"),
        "business_hours.timezone: 'Mars/Olympus' is not an IANA time zone",
    ),
    (
        lambda d: d["business_hours"]["holidays"].update(country="XX"),
        "business_hours.holidays.country: 'XX' is not a country code",
    ),
    (
        lambda d: d["business_hours"]["holidays"].update(subdivision="ZZ"),
        "business_hours.holidays.subdivision: 'ZZ' is not a subdivision of US",
    ),
    (
        lambda d: d["business_hours"].update(start="18:00"),
        "business_hours: business hours must start before they end",
    ),
    (
        lambda d: d["business_hours"].update(days=["mon", "funday"]),
        "business_hours.days[1]: Input should be 'mon'",
    ),
    (
        lambda d: stages(d)[0].update(sla="2 days"),
        "workflows.brief.stages[0].sla: '2 days' is not a duration",
    ),
    (
        lambda d: d["reminders"].update(repeat_every="0 business hours"),
        "reminders.repeat_every: a duration must be more than 0",
    ),
    (lambda d: d["reminders"].update(first_at=1.5), "reminders.first_at: Input should be less"),
    (
        lambda d: d["reminders"]["quiet_hours"].update(start="7pm"),
        "reminders.quiet_hours.start: '7pm' is not a time like '09:00'",
    ),
    (lambda d: d["roles"].update(cancle=["requester"]), "roles.cancle: unknown setting"),
    (lambda d: d["roles"].update(cancel=["boss"]), "roles.cancel: unknown role 'boss'"),
    (
        lambda d: d["roles"].update(ops_admins=["omar"]),
        "roles.ops_admins[0]: 'omar' is neither a group handle",
    ),
    (
        lambda d: d["intake"].update(triage_group="@nobody"),
        "intake.triage_group: unknown group '@nobody'",
    ),
    (
        lambda d: d["compliance"]["gate_stages"].update(claims=["@claims-team"]),
        "compliance.gate_stages.claims[0]: unknown group '@claims-team'",
    ),
    (lambda d: d["channels"].update(briefs="#marketing"), "channels.briefs: '#marketing' is not"),
    (
        lambda d: d["groups"]["@brand-team"].update(usergroup_id="brand"),
        "groups.@brand-team.usergroup_id: 'brand' is not a user group id",
    ),
    (lambda d: d.pop("roles"), "roles: required setting is missing"),
    (
        lambda d: d["channels"].pop("escalations"),
        "reminders.escalate_to: '@mops-admins' is a group, so set channels.escalations",
    ),
]


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_errors_name_their_path(
    tmp_path: Path, data: dict, change: Callable[[dict], object], expected: str
) -> None:
    change(data)
    errors = check_policy_file(write(tmp_path, data))
    assert any(error.startswith(expected) for error in errors), errors


def test_who_may_reopen_is_a_role_list(tmp_path: Path, data: dict) -> None:
    assert load_policy(write(tmp_path, data)).roles.reopen == ["requester", "ops_admin"]
    data["roles"]["reopen"] = ["ops_admin"]
    assert load_policy(write(tmp_path, data)).roles.reopen == ["ops_admin"]
    data["roles"]["reopen"] = ["boss"]
    assert check_policy_file(write(tmp_path, data))[0].startswith("roles.reopen")
    data["roles"]["reopen"] = ["ops_admin"]
    data["roles"]["reopne"] = ["ops_admin"]
    assert check_policy_file(write(tmp_path, data)) == [
        "roles.reopne: unknown setting (check the spelling)"
    ]


def test_all_errors_are_reported_at_once(tmp_path: Path, data: dict) -> None:
    stages(data)[1]["approvers"] = ["@legal-teem"]
    data["business_hours"]["timezone"] = "Mars/Olympus"
    fields(data)[3].pop("choices")
    errors = check_policy_file(write(tmp_path, data))
    assert len(errors) == 3, errors


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\ngroups: {oops\n")
    (error,) = check_policy_file(path)
    assert error.startswith(f"{path}: YAML syntax error at line 3"), error


def test_duplicate_keys_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text(PACKAGE_POLICY.read_text() + "\nreminders: {first_at: 0.5}\n")
    (error,) = check_policy_file(path)
    assert "duplicate key 'reminders'" in error and "first on line" in error


@pytest.mark.parametrize("text", ["", "- just\n- a list\n"])
def test_top_level_must_be_settings(tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    assert check_policy_file(path) == [f"{path}: expected settings (a mapping) at the top level"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "nope.yaml")
    assert caught.value.errors == [f"{tmp_path / 'nope.yaml'}: no such file"]


def test_store_keeps_the_old_policy_when_the_new_one_is_invalid(tmp_path: Path, data: dict) -> None:
    path = write(tmp_path, data)
    store = PolicyStore(path)
    before = store.current
    path.write_text("name: [")
    assert store.reload() and store.current is before
    data["reminders"]["first_at"] = 0.5
    write(tmp_path, data)
    assert store.reload() == []
    assert store.current.reminders.first_at == 0.5 and store.current.version != before.version


def test_store_reloads_from_many_threads(tmp_path: Path, data: dict) -> None:
    path = write(tmp_path, data)
    store = PolicyStore(path)
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(store.reload())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[]] * 4 and store.current.version == load_policy(path).version


# -- the brief form --------------------------------------------------------------------------


def test_submission_errors_by_field(policy) -> None:  # type: ignore[no-untyped-def]
    template = policy.workflows.brief.template
    errors = validate_submission(
        template,
        {
            "title": "  ",
            "objective": "short",
            "channel_mix": "Fax",
            "launch_date": "next week",
            "budget": "-5",
            "links": "javascript:alert(1)",
            "notes": "x" * 1001,
        },
    )
    assert errors == {
        "title": "Title is required.",
        "objective": "At least 10 characters, please (5 now).",
        "audience": "Audience is required.",
        "channel_mix": "Choose one of: Email, Social, Web, Paid media, Events, PR, Multi-channel.",
        "launch_date": "A date like 2027-03-01, please.",
        "budget": "Zero or more, please.",
        "links": "A web address starting with https:// or http://, like https://example.com/brief.",
        "notes": "At most 1000 characters, please (1001 now).",
    }


GOOD = {
    "title": " Spring\nlaunch ",
    "objective": "Grow signups by 20%",
    "audience": "SMB",
    "channel_mix": "email",
    "launch_date": "2027-03-01",
    "budget": "$1,500",
}


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("budget", "1500.50", True),
        ("budget", "0", True),
        ("budget", "1,50", False),
        ("budget", "1e3", False),
        ("budget", "nan", False),
        ("budget", "twelve", False),
        ("launch_date", "2027-02-30", False),
        ("launch_date", "20270301", False),
        ("launch_date", "2020-01-01", True),  # past dates are refused only given today
        ("links", "https://docs.example.com/brief?id=1", True),
        ("links", "http://example.com", True),
        ("links", "ftp://example.com/file", False),
        ("links", "https://exa mple.com", False),
        ("links", "https://example.com|click", True),  # stored percent-encoded
        ("links", "https://docs.example.com/a?b=1&c=<2>", True),
        ("links", "javascript:alert(1)", False),
    ],
)
def test_submission_field_checks(policy, field: str, value: str, ok: bool) -> None:  # type: ignore[no-untyped-def]
    errors = validate_submission(policy.workflows.brief.template, {**GOOD, field: value})
    assert (field not in errors) is ok, errors
    assert set(errors) <= {field}


def test_a_past_launch_date_is_refused_given_today(policy) -> None:  # type: ignore[no-untyped-def]
    template = policy.workflows.brief.template
    today = date(2027, 3, 2)
    errors = validate_submission(template, {**GOOD, "launch_date": "2027-03-01"}, today)
    assert errors == {"launch_date": "That day has passed; choose 2027-03-02 or later."}
    assert validate_submission(template, {**GOOD, "launch_date": "2027-03-02"}, today) == {}


def test_clean_submission_normalizes(policy) -> None:  # type: ignore[no-untyped-def]
    template = policy.workflows.brief.template
    assert validate_submission(template, GOOD) == {}
    cleaned = clean_submission(template, {**GOOD, "unknown": "dropped"})
    assert cleaned["title"] == "Spring launch"
    assert cleaned["budget"] == 1500 and isinstance(cleaned["budget"], int)
    assert cleaned["channel_mix"] == "Email"
    assert cleaned["links"] is None and "unknown" not in cleaned
    assert clean_submission(template, {**GOOD, "budget": "12.5"})["budget"] == 12.5
    with pytest.raises(ValueError, match="budget"):
        clean_submission(template, {**GOOD, "budget": "-1"})


# -- who may do what -------------------------------------------------------------------------


def test_stage_approvers_and_decisions(policy) -> None:  # type: ignore[no-untyped-def]
    brand = access.stage_approver_refs(policy, "brand")
    assert brand == ["@brand-team"]
    assert access.may_decide(brand, "U02BRAM", {"S01BRAND"}, policy)
    assert not access.may_decide(brand, "U03LENA", {"S02LEGAL"}, policy)
    assert not access.may_decide(brand, "U02BRAM", set(), policy)  # left the group in Slack
    assert access.may_decide(["U03LENA"], "U03LENA", set(), policy)
    # A stage the current policy no longer has falls to the ops admins; no stage, nobody.
    assert access.stage_approver_refs(policy, "retired_stage") == ["@mops-admins"]
    assert access.stage_approver_refs(policy, None) == []


def test_describe_approvers(policy) -> None:  # type: ignore[no-untyped-def]
    assert access.describe_approvers(["@brand-team"], policy) == "<!subteam^S01BRAND|@brand-team>"
    assert (
        access.describe_approvers(["@legal-team", "U02BRAM", "U04OMAR"], policy)
        == "<!subteam^S02LEGAL|@legal-team>, <@U02BRAM> or <@U04OMAR>"
    )
    assert access.describe_approvers(["@brand-team"], policy, mention=False) == "*@brand-team*"
    assert access.describe_approvers([], policy) == "nobody"


def test_describe_approvers_plain_has_no_mrkdwn_and_names_people() -> None:
    """For a modal's inline error, which shows mrkdwn and <@U…> tokens as typed."""
    names = {"U02BRAM": "bram"}.get
    assert (
        access.describe_approvers_plain(["@legal-team", "U02BRAM", "U04OMAR", "U02BRAM"], names)
        == "@legal-team, @bram or @U04OMAR"  # a name Slack didn't give: the id, still no token
    )
    assert access.describe_approvers_plain(["U02BRAM"]) == "@U02BRAM"
    assert access.describe_approvers_plain(["@retired-team"]) == "@retired-team"
    assert access.describe_approvers_plain([]) == "nobody"


def test_roles(policy) -> None:  # type: ignore[no-untyped-def]
    assert access.is_ops_admin(policy, "U04OMAR", {"S03OPS", "S04TRIAGE"})
    assert not access.is_ops_admin(policy, "U05SAM", {"S04TRIAGE"})
    roles = access.roles_for(
        policy,
        user_id="U02BRAM",
        user_group_ids={"S01BRAND"},
        requester_id="U01RITA",
        stage_name="brand",
    )
    assert roles == {"approver"}
    assert not access.may_cancel(policy, roles)
    assert access.may_cancel(policy, {"requester"}) and access.may_cancel(policy, {"ops_admin"})
    assert access.describe_roles(policy.roles.cancel, policy) == "the requester or *@mops-admins*"
