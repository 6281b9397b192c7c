"""Briefs end to end: a person fills the form, approvers click in the thread, the database agrees."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bot.app.config import PACKAGE_POLICY
from bot.app.local import LocalBot
from bot.audit.models import AuditEvent
from bot.briefs.models import Approval, Brief
from bot.slack.models import OutboxMessage
from tests.support.briefs import (
    approve,
    audit_actions,
    brief_row,
    form_values,
    give_reason,
    latest,
    new_brief,
    outbox_drained,
    shows_button,
    wait_stage,
    wait_state,
)
from tests.support.policies import write_policy
from tests.support.waiting import eventually


def test_create_from_modal_posts_parent_with_buttons(local: LocalBot) -> None:
    parent = new_brief(local, title="Spring launch")
    assert "Spring launch" in parent.text
    labels = [
        e["text"]["text"] for b in parent.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels == ["Approve", "Request changes", "Reject"]
    note = local.slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "Waiting on" in m.text
    )
    assert "S01BRAND" in note.text  # the brand group is mentioned
    brief = brief_row(local)
    assert (brief.state, brief.stage, brief.round) == ("in_review", "brand", 1)
    assert audit_actions(local) == [("create", "draft", 1), ("submit", "in_review", 1)]


def test_invalid_modal_input_shows_inline_errors_and_stores_nothing(local: LocalBot) -> None:
    slack = local.slack
    slack.command("/brief new", as_user="rita")
    values = form_values(local.runtime.policy)
    url_fields = [
        f.id for f in local.runtime.policy.workflows.brief.template.fields if f.type == "url"
    ]
    assert url_fields, "the template should ask for a link"
    values[url_fields[0]] = "not a link"
    result = slack.submit(values, as_user="rita")
    assert url_fields[0] in result.errors
    assert slack.view_of("rita") is not None  # the modal stays open
    with local.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Brief)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    # fixing the field and submitting again works (the same view id, a real submission)
    values[url_fields[0]] = "https://example.com/ok"
    assert not slack.submit(values, as_user="rita").errors
    wait_state(local, "in_review")


def test_two_stage_approval_reaches_approved(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    assert "*Legal*" in str(shows_button(local, parent, "Approve").blocks)  # the parent says so
    approve(local, parent, "lena")
    wait_state(local, "approved")
    done = slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "is approved" in m.text)
    assert "<@U01RITA>" in done.text
    assert [a for a, _, _ in audit_actions(local)] == ["create", "submit", "approve", "approve"]
    with local.runtime.db.transaction() as session:
        decisions = [
            (a.stage, a.approver_id, a.decision) for a in session.scalars(select(Approval))
        ]
    assert decisions == [("brand", "U02BRAM", "approve"), ("legal", "U03LENA", "approve")]
    buttons = [b for b in latest(slack, parent).blocks if b["type"] == "actions"]
    assert buttons == []  # nothing left to click


def test_request_changes_then_resubmit_then_approve_records_round_two(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    give_reason(local, parent, "Request changes", "bram", "Tighten the headline")
    wait_state(local, "changes_requested")
    note = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "Tighten the headline" in m.text
    )
    assert "<@U01RITA>" in note.text
    slack.click(
        "Edit & resubmit", as_user="rita", message=shows_button(local, parent, "Edit & resubmit")
    )
    assert slack.view_of("rita") is not None
    title_field = "title"
    assert not slack.submit({title_field: "Spring launch v2"}, as_user="rita").errors
    brief = wait_state(local, "in_review")
    assert (brief.round, brief.stage, brief.title) == (2, "brand", "Spring launch v2")
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    approve(local, parent, "lena")
    assert wait_state(local, "approved").round == 2
    actions = audit_actions(local)
    assert ("request_changes", "changes_requested", 1) in actions
    assert ("resubmit", "in_review", 2) in actions


def test_reject_with_reason(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    give_reason(local, parent, "Reject", "bram", "Off-brand <!channel> colours")
    wait_state(local, "rejected")
    note = slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "rejected" in m.text)
    assert "Off-brand" in note.text
    assert "<!channel>" not in note.text  # user text can't ping the channel
    with local.runtime.db.transaction() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "reject")).one()
    assert event.reason == "Off-brand <!channel> colours"
    assert event.policy_version == local.runtime.policy.version


def test_reason_is_required(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    slack.click("Reject", as_user="bram", message=shows_button(local, parent, "Reject"))
    result = slack.submit({"reason": "   "}, as_user="bram")
    assert result.errors  # blank: asked again, nothing changed
    assert brief_row(local).state == "in_review"


def test_unauthorized_approver_is_told_who_can(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    approve(local, parent, "sam")
    refusal = slack.wait_for_message(lambda m: m.ephemeral_to == "U05SAM", ephemeral=True)
    assert "Only" in refusal.text and "S01BRAND" in refusal.text
    assert brief_row(local).stage == "brand"


def test_a_refused_click_delivered_twice_is_answered_once(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    approve(local, parent, "sam")
    local.driver.redeliver(retry_num=1)  # Slack did not see the ack in time and sends it again
    slack.wait_for_message(lambda m: m.ephemeral_to == "U05SAM", ephemeral=True)
    eventually(lambda: outbox_drained(local), "the outbox to drain")
    assert len(slack.ephemerals_for("U05SAM")) == 1
    assert brief_row(local).stage == "brand"


def test_self_approval_is_refused(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local, as_user="bram")  # Bram is in @brand-team and asks for his own brief
    approve(local, parent, "bram")
    refusal = slack.wait_for_message(lambda m: m.ephemeral_to == "U02BRAM", ephemeral=True)
    assert "your own brief" in refusal.text
    assert brief_row(local).stage == "brand"


def test_double_click_makes_one_transition(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    on_screen = shows_button(local, parent, "Approve")
    local.driver.click(on_screen, "Approve", "bram")
    local.driver.redeliver(retry_num=1)  # Slack delivers the same click again
    local.driver.click(on_screen, "Approve", "bram")  # and he clicks again before the update lands
    wait_stage(local, "legal")
    slack.wait_for_message(
        lambda m: m.ephemeral_to == "U02BRAM" and "changed" in m.text, ephemeral=True
    )
    assert [a for a, _, _ in audit_actions(local)].count("approve") == 1


@pytest.fixture
def two_brand_approvers(tmp_path: Path, local: LocalBot) -> LocalBot:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data["workflows"]["brief"]["stages"][0]["approvers"].append("U04OMAR")
    local.runtime.policies.path = write_policy(tmp_path, data)
    assert local.runtime.policies.reload() == []
    return local


def test_two_concurrent_clicks_from_different_approvers(two_brand_approvers: LocalBot) -> None:
    local = two_brand_approvers
    slack = local.slack
    parent = new_brief(local)
    snapshot = latest(slack, parent)
    results = []
    clickers = [
        threading.Thread(
            target=lambda u=user: results.append(local.driver.click(snapshot, "Approve", u))
        )
        for user in ("bram", "omar")
    ]
    for thread in clickers:
        thread.start()
    for thread in clickers:
        thread.join()
    assert [r.status for r in results] == [200, 200]
    wait_stage(local, "legal")
    slack.wait_for_message(lambda m: m.ephemeral_to in ("U02BRAM", "U04OMAR"), ephemeral=True)
    assert [a for a, _, _ in audit_actions(local)].count("approve") == 1
    with local.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Approval)) == 1


def test_cancel_and_illegal_transition(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    slack.command("/brief cancel 1", as_user="sam")
    assert "can't cancel" in slack.last_ephemeral("sam").text
    slack.command("/brief cancel 1 Not needed after all", as_user="rita")
    assert "cancelled" in slack.last_ephemeral("rita").text
    assert wait_state(local, "cancelled").state == "cancelled"
    slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "cancelled" in m.text)
    slack.command("/brief cancel 1 again", as_user="rita")
    assert "already" in slack.last_ephemeral("rita").text.lower()
    assert [a for a, _, _ in audit_actions(local)].count("cancel") == 1


def test_list_show_and_bad_arguments(local: LocalBot) -> None:
    slack = local.slack
    new_brief(local, title="Launch <!here> party")
    slack.command("/brief list", as_user="bram")
    listing = slack.last_ephemeral("bram").text
    assert "Waiting on you" in listing and "#1" in listing
    assert "<!here>" not in listing
    slack.command("/brief show 1", as_user="bram")
    shown = slack.last_ephemeral("bram").text
    assert "History" in shown and "sent it for review" in shown
    for bad in ("/brief show", "/brief frob"):
        slack.command(bad, as_user="bram")
        assert "Usage:" in slack.last_ephemeral("bram").text, bad
    # A bad number is answered about the number, not with every command there is.
    for bad, word in (("/brief show x", "x"), ("/brief cancel 99999999999", "99999999999")):
        slack.command(bad, as_user="bram")
        told = slack.last_ephemeral("bram").text
        assert told.startswith(f"`{word}` isn't a brief number, like `/brief "), bad
        assert "Usage:" not in told and "`/brief list` shows the numbers" in told
    slack.command("/brief show 42", as_user="bram")
    told = slack.last_ephemeral("bram").text
    assert (
        told
        == "There is no brief #42. `/brief list` shows the numbers of yours and of those waiting on you."
    )


def test_policy_reload_is_for_ops_admins_and_keeps_old_policy_on_errors(
    local: LocalBot, tmp_path: Path
) -> None:
    slack = local.slack
    before = local.runtime.policy.version
    slack.command("/mops policy reload", as_user="rita")
    assert "Only ops admins" in slack.last_ephemeral("rita").text
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data["workflows"]["brief"]["stages"][1]["approvers"] = ["@legal-teem"]
    broken = write_policy(tmp_path, data, "broken.yaml")
    local.runtime.policies.path = broken
    slack.command("/mops policy reload", as_user="omar")
    answer = slack.last_ephemeral("omar").text
    assert "workflows.brief.stages[1].approvers" in answer and "legal-teem" in answer
    assert local.runtime.policy.version == before
    data["workflows"]["brief"]["stages"][1]["approvers"] = ["@legal-team", "U04OMAR"]
    write_policy(tmp_path, data, "broken.yaml")
    slack.command("/mops policy reload", as_user="omar")
    assert "Policy reloaded" in slack.last_ephemeral("omar").text
    assert local.runtime.policy.version != before


def test_schedule_then_live_after_approval(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    slack.command("/brief schedule 1", as_user="rita")
    assert "can't schedule" in slack.last_ephemeral("rita").text  # not approved yet
    approve(local, parent, "bram")
    approve(local, parent, "lena")
    wait_state(local, "approved")
    slack.command("/brief live 1", as_user="rita")
    assert "can't go live" in slack.last_ephemeral("rita").text  # schedule first
    slack.command("/brief schedule 1", as_user="sam")
    assert "Only" in slack.last_ephemeral("sam").text
    slack.command("/brief schedule 1", as_user="rita")
    assert "scheduled" in slack.last_ephemeral("rita").text
    slack.command("/brief live 1", as_user="omar")  # an ops admin
    assert wait_state(local, "live").state == "live"
    assert [a for a, _, _ in audit_actions(local)][-2:] == ["schedule", "go_live"]


def test_a_second_approve_by_the_same_person_says_when_they_approved(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    approve(local, parent, "bram")  # the refreshed buttons, now for the legal stage
    refusal = slack.wait_for_message(lambda m: m.ephemeral_to == "U02BRAM", ephemeral=True)
    assert "You already approved *Brand*" in refusal.text
    assert "<!date^" in refusal.text  # in the reader's own time zone
    assert "Only" not in refusal.text
    assert brief_row(local).stage == "legal"
