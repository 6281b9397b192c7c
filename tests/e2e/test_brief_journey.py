"""A brief's life beyond one review: cancel and reject with a reason the requester is told,
reopen, and resubmit with what changed shown to the next round's reviewers."""

from __future__ import annotations

from sqlalchemy import select

from bot.app.local import LocalBot
from bot.audit.models import AuditEvent
from tests.support.briefs import (
    approve,
    audit_actions,
    brief_row,
    give_reason,
    new_brief,
    shows_button,
    wait_stage,
    wait_state,
)


def test_cancel_by_an_ops_admin_asks_why_and_tells_the_requester(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    slack.command("/brief cancel 1", as_user="sam")  # may not: told before any form
    assert "can't cancel" in slack.last_ephemeral("sam").text
    assert slack.view_of("sam") is None
    slack.command("/brief cancel 1", as_user="omar")
    assert slack.view_of("omar") is not None, "a reason modal should open"
    assert slack.submit({"reason": "  "}, as_user="omar").errors  # a reason is needed
    assert not slack.submit({"reason": "Budget moved to Q3"}, as_user="omar").errors
    assert wait_state(local, "cancelled").state == "cancelled"
    note = slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "cancelled" in m.text)
    assert "Budget moved to Q3" in note.text
    assert "<@U01RITA>" in note.text  # the requester is told
    with local.runtime.db.transaction() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "cancel")).one()
    assert (event.actor_id, event.reason) == ("U04OMAR", "Budget moved to Q3")


def test_reject_mentions_the_requester(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local)
    give_reason(local, parent, "Reject", "bram", "Off-brand colours")
    wait_state(local, "rejected")
    note = slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "rejected" in m.text)
    assert "Off-brand colours" in note.text and "<@U01RITA>" in note.text


def test_reject_reopen_resubmit_shows_what_changed_to_round_two(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local, title="Spring launch", budget="5000")
    give_reason(local, parent, "Reject", "bram", "Too expensive")
    wait_state(local, "rejected")
    slack.click("Reopen", as_user="sam", message=shows_button(local, parent, "Reopen"))
    refusal = slack.wait_for_message(lambda m: m.ephemeral_to == "U05SAM", ephemeral=True)
    assert "can't reopen" in refusal.text
    assert brief_row(local).state == "rejected"
    slack.click("Reopen", as_user="rita", message=shows_button(local, parent, "Reopen"))
    brief = wait_state(local, "draft")
    assert brief.round == 2
    slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "reopened" in m.text)
    slack.click(
        "Edit & resubmit", as_user="rita", message=shows_button(local, parent, "Edit & resubmit")
    )
    assert not slack.submit(
        {"budget": "3500", "title": "Spring launch, leaner"}, as_user="rita"
    ).errors
    brief = wait_state(local, "in_review")
    assert (brief.round, brief.stage) == (2, "brand")
    note = slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "What changed" in m.text)
    assert "*Budget (USD):* “5,000” → “3,500”" in note.text
    assert "*Title:* “Spring launch” → “Spring launch, leaner”" in note.text
    assert "Objective" not in note.text  # unchanged fields are not listed
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    actions = audit_actions(local)
    assert ("reopen", "draft", 2) in actions and ("resubmit", "in_review", 2) in actions
    with local.runtime.db.transaction() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "resubmit")).one()
    assert event.detail["changed"]["budget"] == [5000, 3500]


def test_reopen_command_and_its_refusals(local: LocalBot) -> None:
    slack = local.slack
    new_brief(local)
    slack.command("/brief reopen 1", as_user="rita")
    assert "still open" in slack.last_ephemeral("rita").text
    slack.command("/brief cancel 1 Duplicate of #2", as_user="rita")
    wait_state(local, "cancelled")
    slack.command("/brief reopen 1", as_user="omar")  # an ops admin
    assert "reopened" in slack.last_ephemeral("omar").text
    assert wait_state(local, "draft").round == 2
