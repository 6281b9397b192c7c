"""The compliance gate end to end: a brief with regulated claims gets legal review and shows why,
nobody outside legal can wave it through, and the bot asks a person before acting on it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bot.app.config import PACKAGE_POLICY
from bot.app.local import LocalBot
from bot.audit import service as audit
from bot.audit.models import AuditEvent
from bot.briefs.models import Approval, Brief
from bot.compliance.semantic import cache_dir
from bot.compliance.service import rules_for
from bot.emulator import Message
from policies.compliance import DEFAULT_RULES_PATH, lint
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
from tests.support.policies import trained, with_untrained_compliance_model, write_policy
from tests.support.waiting import eventually

CLAIM = "Guaranteed 12% returns, risk-free! <!channel>"
CLEAN = "Our new pricing page explains the plans."


@pytest.fixture
def gated(tmp_path: Path, local: LocalBot) -> LocalBot:
    """Brand review only, with legal as a compliance gate: the gate is visible when it is added."""
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data["workflows"]["brief"]["stages"] = data["workflows"]["brief"]["stages"][:1]
    data["compliance"] = {
        "rules_file": str(DEFAULT_RULES_PATH),
        "gate_stages": {"legal": ["@legal-team"]},
    }
    local.runtime.policies.path = write_policy(tmp_path, data)
    assert local.runtime.policies.reload() == []
    return local


def gate_events(local: LocalBot, brief_id: int = 1) -> list[AuditEvent]:
    with local.runtime.db.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.brief_id == brief_id, AuditEvent.action == "compliance_gate")
                .order_by(AuditEvent.id)
            )
        )


def compliance_note(local: LocalBot, parent: Message) -> Message:
    return local.slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "Compliance check" in m.text
    )


def approved_brief(local: LocalBot, key_message: str) -> Message:
    parent = new_brief(local, key_message=key_message)
    approve(local, parent, "bram")
    if key_message == CLAIM:
        wait_stage(local, "legal")
        approve(local, parent, "lena")
    wait_state(local, "approved")
    return parent


def test_findings_are_shown_in_the_thread_on_submit(gated: LocalBot) -> None:
    parent = new_brief(gated, key_message=CLAIM)
    note = compliance_note(gated, parent)
    shown = str(note.blocks)
    assert "Financial promise" in note.text and "*Legal*" in note.text
    # the field and the matched spans, both of one category in one note with its guidance once
    assert "*Key message*: “Guaranteed 12% returns”, “risk-free”" in shown
    assert shown.count("Promises of returns") == 1  # the guidance
    assert "Approver: <!subteam^S02LEGAL|@legal-team>" in shown
    assert f"Rules version {rules_for(gated.runtime.policy).version}" in shown
    assert "<!channel>" not in shown  # user text can't ping anyone from a finding either
    replies = [m.text for m in gated.slack.thread(parent).replies]
    assert (
        "submitted this brief" in replies[0] and "Compliance check" in replies[1]
    )  # after the brief


def test_gate_stage_is_added_on_submit_with_audit_and_rule_version(gated: LocalBot) -> None:
    policy = gated.runtime.policy
    new_brief(gated, key_message=CLAIM)
    brief = wait_state(gated, "in_review")
    assert (brief.stages, brief.stage) == (["brand", "legal"], "brand")
    [event] = gate_events(gated)
    assert event.policy_version == policy.version
    assert event.detail["rules_version"] == rules_for(policy).version
    assert event.detail["categories"] == ["financial_promise"]
    assert (event.detail["gate_stages"], event.detail["added_stages"]) == (["legal"], ["legal"])
    assert [f["matched"] for f in event.detail["findings"]] == [
        "Guaranteed 12% returns",
        "risk-free",
    ]


def test_default_policy_records_the_gate_on_its_existing_legal_stage(local: LocalBot) -> None:
    new_brief(local, key_message=CLAIM)
    brief = wait_state(local, "in_review")
    assert brief.stages == ["brand", "legal"]  # legal was there already: not added twice
    [event] = gate_events(local)
    assert (event.detail["gate_stages"], event.detail["added_stages"]) == (["legal"], [])


def test_clean_brief_gets_no_gate_no_note_and_no_confirmation(gated: LocalBot) -> None:
    slack = gated.slack
    parent = approved_brief(gated, CLEAN)
    assert brief_row(gated).stages == ["brand"]
    assert gate_events(gated) == []
    slack.command("/brief schedule 1", as_user="rita")
    assert "scheduled" in slack.last_ephemeral("rita").text
    assert wait_state(gated, "scheduled").state == "scheduled"
    eventually(lambda: outbox_drained(gated), "the outbox drained")
    assert not any(
        "Compliance check" in m.text or "Confirm" in str(m.blocks)
        for m in slack.thread(parent).replies
    )


@pytest.mark.parametrize(
    "notes",
    [
        "These are my notes for the reviewers",
        # notes are words for colleagues: quoting the claim that was dropped is not making it
        "Legal asked us to drop 'Guaranteed 12% returns' from last year's copy.",
    ],
)
def test_notes_for_reviewers_are_not_linted_as_copy(gated: LocalBot, notes: str) -> None:
    parent = new_brief(gated, notes=notes)
    gated.slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "submitted this brief" in m.text
    )
    eventually(lambda: outbox_drained(gated), "the outbox drained")
    assert brief_row(gated).stages == ["brand"]
    assert gate_events(gated) == []
    assert not any("Compliance check" in m.text for m in gated.slack.thread(parent).replies)


def test_brand_approver_cannot_approve_the_legal_gate(gated: LocalBot) -> None:
    slack = gated.slack
    parent = new_brief(gated, key_message=CLAIM)
    approve(gated, parent, "bram")
    before = wait_stage(gated, "legal")
    slack.command("/brief schedule 1", as_user="rita")
    assert "can't schedule: it isn't approved yet" in slack.last_ephemeral("rita").text
    for outsider, user_id in (("bram", "U02BRAM"), ("omar", "U04OMAR")):  # brand, ops admin
        approve(gated, parent, outsider)
        refusal = slack.wait_for_message(lambda m, u=user_id: m.ephemeral_to == u, ephemeral=True)
        if outsider == "bram":  # he approved brand: he is told so, and who decides legal
            assert "You already approved *Brand*" in refusal.text
            assert "waits on *@legal-team* for *Legal*" in refusal.text
        else:
            assert (
                "Only <!subteam^S02LEGAL|@legal-team> can decide the *Legal* stage" in refusal.text
            )
    after = brief_row(gated)
    assert (after.stage, after.version, after.state) == ("legal", before.version, "in_review")
    with gated.runtime.db.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(Approval)) == 1
        )  # bram's brand approval
    approve(gated, parent, "lena")
    assert wait_state(gated, "approved").state == "approved"


def test_edit_without_the_claim_keeps_the_gate_and_says_so(gated: LocalBot) -> None:
    slack = gated.slack
    parent = new_brief(gated, key_message=CLAIM)
    give_reason(gated, parent, "Request changes", "bram", "Drop the promise")
    wait_state(gated, "changes_requested")
    slack.click(
        "Edit & resubmit", as_user="rita", message=shows_button(gated, parent, "Edit & resubmit")
    )
    assert not slack.submit({"key_message": CLEAN}, as_user="rita").errors
    note = compliance_note(gated, parent)
    assert "no regulated claims any more" in note.text and "*Legal*" in note.text
    brief = wait_state(gated, "in_review")
    assert (brief.round, brief.stages) == (2, ["brand", "legal"])
    first, second = gate_events(gated)
    assert (second.round, second.detail["categories"], second.detail["kept_stages"]) == (
        2,
        [],
        ["legal"],
    )


def test_resubmission_with_a_new_claim_adds_the_gate(gated: LocalBot) -> None:
    slack = gated.slack
    parent = new_brief(gated, key_message=CLEAN)
    assert brief_row(gated).stages == ["brand"]
    give_reason(gated, parent, "Request changes", "bram", "Make it punchier")
    wait_state(gated, "changes_requested")
    slack.click(
        "Edit & resubmit", as_user="rita", message=shows_button(gated, parent, "Edit & resubmit")
    )
    assert not slack.submit(
        {"objective": "Clinically proven to cure acne in a week"}, as_user="rita"
    ).errors
    note = compliance_note(gated, parent)
    assert "Health claim" in note.text and "*Objective*: “Clinically proven”" in str(note.blocks)
    brief = wait_state(gated, "in_review")
    assert (brief.round, brief.stages) == (2, ["brand", "legal"])
    [event] = gate_events(gated)
    assert (event.round, event.detail["categories"]) == (2, ["health_claim"])


def confirm_prompt(local: LocalBot, parent: Message) -> Message:
    def prompt() -> Message | None:
        found = [
            m
            for m in local.slack.thread(parent).replies
            if "brief_confirm_advance" in str(m.blocks)
        ]
        return found[-1] if found and outbox_drained(local) else None

    return eventually(prompt, "a confirmation prompt in the thread")


def test_schedule_on_flagged_content_waits_for_a_confirmation_and_records_who(
    gated: LocalBot,
) -> None:
    slack = gated.slack
    parent = approved_brief(gated, CLAIM)
    slack.command("/brief schedule 1", as_user="rita")
    assert "nothing happens yet" in slack.last_ephemeral("rita").text
    prompt = confirm_prompt(gated, parent)
    assert "Financial promise" in prompt.text
    assert brief_row(gated).state == "approved"  # asking did nothing
    slack.click("Confirm", as_user="sam", message=prompt)  # not the requester, not an ops admin
    refusal = slack.wait_for_message(lambda m: m.ephemeral_to == "U05SAM", ephemeral=True)
    assert "Only <@U01RITA>" in refusal.text
    assert brief_row(gated).state == "approved"
    gated.driver.click(prompt, "Confirm", "omar")
    gated.driver.redeliver(retry_num=1)  # Slack delivers the same click again
    assert wait_state(gated, "scheduled").state == "scheduled"
    with gated.runtime.db.transaction() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "schedule")).all()
    assert event.actor_id == "U04OMAR"
    assert (event.detail["confirmed_by"], event.detail["requested_by"]) == ("U04OMAR", "U01RITA")
    assert event.detail["categories"] == ["financial_promise"]
    assert [m.split(":")[0] for m in event.detail["models"]] == ["frozen"]  # what read the copy
    assert [a for a, _, _ in audit_actions(gated)].count("schedule") == 1
    eventually(lambda: outbox_drained(gated), "the outbox drained")
    assert slack.ephemerals_for("omar") == []  # the redelivery was recognised, not refused
    closed = eventually(
        lambda: "confirmed" in (m := latest(slack, prompt)).text and m, "the prompt closed"
    )
    assert "<@U04OMAR> confirmed" in closed.text and "brief_confirm_advance" not in str(
        closed.blocks
    )


def test_cancelled_confirmation_does_nothing_and_its_confirm_is_dead(gated: LocalBot) -> None:
    slack = gated.slack
    parent = approved_brief(gated, CLAIM)
    slack.command("/brief schedule 1", as_user="rita")
    prompt = confirm_prompt(gated, parent)
    slack.click("Cancel", as_user="rita", message=prompt)
    eventually(lambda: "nothing was done" in latest(slack, prompt).text, "the prompt cancelled")
    gated.driver.click(prompt, "Confirm", "rita")  # the buttons as they were before the update
    refusal = slack.wait_for_message(lambda m: m.ephemeral_to == "U01RITA", ephemeral=True)
    assert "no longer applies" in refusal.text
    assert brief_row(gated).state == "approved"
    actions = [a for a, _, _ in audit_actions(gated)]
    assert actions[-2:] == ["confirmation_requested", "confirmation_declined"]


def test_going_live_on_flagged_content_is_confirmed_too(gated: LocalBot) -> None:
    slack = gated.slack
    parent = approved_brief(gated, CLAIM)
    slack.command("/brief schedule 1", as_user="omar")
    slack.click("Confirm", as_user="omar", message=confirm_prompt(gated, parent))
    wait_state(gated, "scheduled")
    slack.command("/brief live 1", as_user="rita")
    assert brief_row(gated).state == "scheduled"
    slack.click("Confirm", as_user="rita", message=confirm_prompt(gated, parent))
    assert wait_state(gated, "live").state == "live"
    with gated.runtime.db.transaction() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "go_live")).one()
    assert (event.detail["confirmed_by"], event.detail["requested_by"]) == ("U01RITA", "U01RITA")


def test_brief_history_says_compliance_events_in_plain_words(gated: LocalBot) -> None:
    slack = gated.slack
    parent = approved_brief(gated, CLAIM)
    slack.command("/brief schedule 1", as_user="rita")
    slack.click("Cancel", as_user="rita", message=confirm_prompt(gated, parent))
    eventually(lambda: audit_actions(gated)[-1][0] == "confirmation_declined", "the cancel")
    slack.command("/brief show 1", as_user="rita")
    shown = slack.last_ephemeral("rita").text
    for internal in ("compliance_gate", "confirmation_requested", "confirmation_declined"):
        assert internal not in shown, shown
    assert "compliance check: it makes regulated claims, so *Legal* reviews it" in shown
    assert "asked to mark it scheduled: it makes regulated claims" in shown
    assert "cancelled the request to mark it scheduled" in shown


# A testimonial with none of the rules' trigger words: only the semantic model finds it.
PARAPHRASED_TESTIMONIAL = "Sunita from Pune says our course got her a job at a top bank."


def test_a_paraphrased_testimonial_is_found_by_the_model_and_gates_the_brief(
    gated: LocalBot,
) -> None:
    policy = gated.runtime.policy
    assert not lint(PARAPHRASED_TESTIMONIAL, rules_for(policy)).findings  # patterns miss it
    parent = new_brief(gated, key_message=PARAPHRASED_TESTIMONIAL)
    brief = wait_state(gated, "in_review")
    assert brief.stages == ["brand", "legal"]
    note = compliance_note(gated, parent)
    shown = str(note.blocks)
    assert "Endorsement or testimonial" in note.text and "*Legal*" in note.text
    assert f"*Key message*: “{PARAPHRASED_TESTIMONIAL}”" in shown  # the whole sentence
    assert "Found by meaning, not by a listed phrase" in shown
    [event] = gate_events(gated)
    assert event.detail["categories"] == ["endorsement"]
    [finding] = event.detail["findings"]
    assert finding["layer"] == "model" and finding["matched"] == PARAPHRASED_TESTIMONIAL
    examples = rules_for(policy).examples
    assert examples is not None and finding["nearest"] in examples.texts
    assert f"reads like the example “{finding['nearest']}”" in shown.replace("&amp;", "&")
    # the audit trail names the model that found it (the frozen one: the tests don't tune), by
    # its file in the cache; the thread does not
    model = finding["model"]
    assert model.startswith("frozen:") and event.detail["models"] == [model]
    assert (cache_dir() / f"compliance-model-{model.removeprefix('frozen:')}.npz").is_file()
    assert model in audit.export([event], "json") and "frozen" not in note.text + shown
    # nobody outside legal can wave it through: brand approval leaves it waiting for legal
    approve(gated, parent, "bram")
    assert wait_stage(gated, "legal").stage == "legal"


def test_a_brief_submitted_while_the_model_loads_keeps_its_form_open(
    local: LocalBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its gate would wait for the model longer than Slack waits for the ack; the person is told
    to press Submit again, and nothing is stored meanwhile."""
    with_untrained_compliance_model(local, tmp_path, monkeypatch)
    slack = local.slack
    slack.command("/brief new", as_user="rita")
    values = form_values(local.runtime.policy, key_message=CLAIM)
    result = slack.submit(values, as_user="rita")
    assert result.status == 200
    (why,) = result.errors.values()
    assert why.startswith("I've just restarted and my compliance check is still loading")
    assert slack.view_of("rita") is not None  # the form stays open with what was typed
    with local.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Brief)) == 0

    trained(local)
    result = slack.submit(values, as_user="rita")
    assert result.status == 200 and not result.errors, result.errors
    assert brief_row(local).id == 1
