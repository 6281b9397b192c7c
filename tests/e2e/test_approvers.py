"""Approver control end to end: refusals before a form opens, briefs nobody may approve, the ops
admin's override and reassignment."""

from __future__ import annotations

from sqlalchemy import select

from bot.app.local import LocalBot
from bot.audit.models import AuditEvent
from tests.support.briefs import (
    approve,
    audit_actions,
    brief_row,
    new_brief,
    shows_button,
    wait_stage,
    wait_state,
)
from tests.support.waiting import eventually

# -- bug 7: people who may not act are told before they fill in a form ------------------------


def test_request_changes_by_a_non_approver_is_refused_before_the_modal(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    for button in ("Request changes", "Reject"):
        slack.click(button, as_user="sam", message=shows_button(local, parent, button))
        refusal = slack.wait_for_message(
            lambda m: m.ephemeral_to == "U05SAM" and "Only" in m.text, ephemeral=True
        )
        assert "S01BRAND" in refusal.text
        assert slack.view_of("sam") is None, f"{button}: no form for someone who may not decide"
    slack.click("Reject", as_user="rita", message=shows_button(local, parent, "Reject"))
    refusal = slack.wait_for_message(lambda m: m.ephemeral_to == "U01RITA", ephemeral=True)
    assert "your own brief" in refusal.text
    assert slack.view_of("rita") is None
    assert brief_row(local).state == "in_review"


def test_an_approver_still_gets_the_reason_form(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    slack.click("Reject", as_user="bram", message=shows_button(local, parent, "Reject"))
    assert slack.wait_for_view("bram") is not None


# -- bug 8: a brief nobody but its requester may approve ---------------------------------------


def test_a_brief_only_its_requester_could_approve_is_flagged_at_submit(local: LocalBot) -> None:
    """Bram is the only member of @brand-team and files a brief: the brand stage can't move."""
    slack = local.slack
    parent = new_brief(local, as_user="bram")
    notice = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "can't move" in m.text, timeout=10
    )
    assert "<@U02BRAM>" in notice.text  # the requester is told
    assert "S03OPS" in notice.text  # the ops admins are pinged
    assert "/brief override 1" in notice.text and "/brief assign 1" in notice.text
    # a normal brief gets no such notice
    other = new_brief(local, as_user="rita")
    slack.wait_for_message(lambda m: m.thread_ts == other.ts and "Waiting on" in m.text)
    local.runtime.worker.run_pending()
    assert not [m for m in slack.thread(other).replies if "can't move" in m.text]


def test_ops_admin_override_needs_a_reason_and_shows_in_the_thread(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local, as_user="bram")
    slack.command("/brief override 1 approve", as_user="omar")
    assert "reason" in slack.last_ephemeral("omar").text.lower()
    slack.command("/brief override 1 approve Checked it myself, Bram is brand", as_user="sam")
    assert "ops admins" in slack.last_ephemeral("sam").text.lower()
    assert brief_row(local).stage == "brand"
    slack.command("/brief override 1 approve Checked it myself, Bram is brand", as_user="omar")
    assert slack.last_ephemeral("omar").text == (
        "You approved *Brand* in place of its approvers (recorded with your reason). "
        "Brief #1 is now in review; it waits on *@legal-team*."
    )
    wait_stage(local, "legal")
    note = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "(ops admin override) approved" in m.text
    )
    assert "<@U04OMAR>" in note.text and "Checked it myself" in note.text
    assert ("approve", "in_review", 1) in audit_actions(local)
    with local.runtime.db.transaction() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "approve")).one()
        assert (event.actor_id, event.reason, event.detail) == (
            "U04OMAR",
            "Checked it myself, Bram is brand",
            {"override": True},
        )
    approve(local, parent, "lena")
    wait_state(local, "approved")


def test_ops_admin_reassigns_a_stuck_stage(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local, as_user="bram")
    slack.command("/brief assign 1 @lena", as_user="bram")
    assert "ops admins" in slack.last_ephemeral("bram").text.lower()
    slack.command("/brief assign 1 @bram", as_user="omar")
    assert "requester" in slack.last_ephemeral("omar").text.lower()
    slack.command("/brief assign 1 @lena", as_user="omar")
    note = slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "assigned" in m.text)
    assert "<@U03LENA>" in note.text
    eventually(lambda: "U03LENA" in str(shows_button(local, parent, "Approve").blocks), "parent")
    approve(local, parent, "lena")  # Lena now decides brand
    wait_stage(local, "legal")


def test_an_ops_admin_cannot_override_their_own_brief_but_can_hand_it_on(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local, as_user="omar")
    slack.command("/brief override 1 approve I checked it", as_user="omar")
    assert "You filed brief #1" in slack.last_ephemeral("omar").text
    assert brief_row(local).stage == "brand"
    slack.command("/brief assign 1 @lena", as_user="omar")
    assert "now waits on <@U03LENA>" in slack.last_ephemeral("omar").text
    approve(local, parent, "lena")
    wait_stage(local, "legal")
    with local.runtime.db.transaction() as session:
        assigned = session.scalars(select(AuditEvent).where(AuditEvent.action == "assign")).one()
        assert (assigned.actor_id, assigned.stage, assigned.detail) == (
            "U04OMAR",
            "brand",
            {"assignee": "U03LENA"},
        )
