"""Gate planning: which briefs need which compliance stages, and what the service does with them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.app.config import PACKAGE_POLICY
from bot.app.readiness import compliance_words
from bot.audit.models import AuditEvent
from bot.briefs import service
from bot.briefs.examples import example_values
from bot.compliance import service as compliance_gate
from bot.compliance.findings import a_claim, claim_notes, models_of
from bot.slack.models import OutboxMessage
from bot.storage.database import Database
from policies.compliance import DEFAULT_RULES_PATH, ComplianceRulesError, LintResult
from policies.schema import Policy, parse_policy

NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
CLAIM = "Guaranteed 12% returns for every member."


def gated_policy(rules_file: Path = DEFAULT_RULES_PATH) -> Policy:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data["workflows"]["brief"]["stages"] = data["workflows"]["brief"]["stages"][:1]  # brand only
    data["compliance"] = {
        "rules_file": str(rules_file),
        "gate_stages": {"legal": ["@legal-team"], "privacy": ["U03LENA"]},
    }
    return parse_policy(data, version="test")


def fields(policy: Policy, **overrides: str) -> dict[str, Any]:
    return example_values(policy.workflows.brief.template, required_only=True, **overrides)


def test_only_text_fields_are_linted_and_findings_name_their_field() -> None:
    policy = gated_policy()
    review = compliance_gate.lint_brief(
        policy,
        fields(
            policy,
            title="Risk-free launch",
            key_message=CLAIM,
            links="https://example.com/guaranteed-returns",
        ),
    )  # a url field is not copy
    assert [(item.field_label, item.finding.matched) for item in review.findings] == [
        ("Title", "Risk-free"),
        ("Key message", "Guaranteed 12% returns"),
    ]
    assert review.categories == ["financial_promise"] and review.flagged


def test_an_audience_named_by_its_plan_is_not_an_offer() -> None:
    """ "Customers on the free plan" says who a brief is for; the patterns and the model both
    let it be (seen in the shell: the audience alone sent a brief to Legal as a pricing offer)."""
    policy = gated_policy()
    for audience in ("Existing customers on the free plan", "Free-tier teams in the UK"):
        review = compliance_gate.lint_brief(policy, fields(policy, audience=audience))
        assert review.findings == [] and review.models, audience  # the model read it too
    offer = compliance_gate.lint_brief(policy, fields(policy, audience="Try our free plan today"))
    assert offer.categories == ["pricing_offer"]


def test_gate_stages_come_from_findings_and_earlier_rounds() -> None:
    policy = gated_policy()
    clean = compliance_gate.lint_brief(policy, fields(policy))
    claim = compliance_gate.lint_brief(policy, fields(policy, key_message=CLAIM))
    assert compliance_gate.gate_stages(policy, clean, earlier=[]) == []
    assert compliance_gate.gate_stages(policy, claim, earlier=[]) == ["legal"]
    assert compliance_gate.gate_stages(policy, clean, earlier=["legal"]) == ["legal"]  # kept
    assert compliance_gate.gate_stages(policy, claim, earlier=["legal"]) == ["legal"]  # once


def test_unreadable_rules_gate_every_configured_stage(tmp_path: Path) -> None:
    broken = tmp_path / "rules.yaml"
    broken.write_text("categories: [not, a, mapping]\n")
    policy = gated_policy(broken)
    review = compliance_gate.lint_brief(policy, fields(policy))
    assert review.flagged and review.rules_error
    assert compliance_gate.gate_stages(policy, review, earlier=[]) == ["legal", "privacy"]
    with pytest.raises(ComplianceRulesError):
        compliance_gate.needs_human(policy, "anything")


def test_the_trail_names_the_models_that_read_the_copy_once_each(tmp_path: Path) -> None:
    """`models` in the audit trail (the gate, a confirmation, a variant, a caption): each model
    that read a text, found something or not, in order; none for patterns-only rules."""
    frozen, tuned = LintResult([], model="frozen:a"), LintResult([], model="tuned:b")
    assert models_of([frozen, None, LintResult([]), tuned, frozen]) == ("frozen:a", "tuned:b")
    rules = yaml.safe_load(DEFAULT_RULES_PATH.read_text())
    del rules["semantic"]
    (tmp_path / "patterns.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    policy = gated_policy(tmp_path / "patterns.yaml")
    review = compliance_gate.lint_brief(policy, fields(policy, key_message=CLAIM))
    assert review.categories == ["financial_promise"] and review.models == ()


LABELS = {name: c.label for name, c in compliance_gate.rules_for(gated_policy()).categories.items()}


def test_a_variants_notes_give_each_kind_of_claim_once_escaped_for_slack() -> None:
    from bot.slack.blocks import escape
    from policies.compliance import Finding

    def found(category: str, matched: str, guidance: str) -> Finding:
        label = LABELS[category]
        return Finding(category, label, 0, len(matched), matched, "warning", guidance, "legal")

    notes = claim_notes(
        [
            found("health_claim", "melts fat", "Evidence <b>first</b>."),
            found("pricing_offer", "50% off", "Terms next to it."),
            found("health_claim", "cures <acne>", "Evidence <b>first</b>."),
        ],
        escape,
    )
    assert notes == [
        "\u201cmelts fat\u201d is a health claim, \u201ccures &lt;acne&gt;\u201d is a health claim: "
        "Evidence &lt;b&gt;first&lt;/b&gt;.",
        "\u201c50% off\u201d is a pricing or offer claim: Terms next to it.",
    ]
    # every shipped label reads as a noun phrase with its article
    assert [a_claim(label) for label in LABELS.values()] == [
        "a financial promise",
        "a health claim",
        "an absolute or superlative claim",
        "a pricing or offer claim",
        "an endorsement or testimonial claim",
        "a sweepstakes or contest claim",
        "a personal data claim",
        "an environmental claim",
        "a comparative claim",
    ]


def test_needs_human_returns_findings_only_for_regulated_text() -> None:
    policy = gated_policy()
    assert compliance_gate.needs_human(policy, "Please update the pricing page copy") is None
    result = compliance_gate.needs_human(policy, "We need a banner: clinically proven to cure acne")
    assert result is not None and result.categories == {"health_claim"}


def test_lint_readiness_says_whether_a_lint_answers_at_once_and_why(tmp_path: Path) -> None:
    """One answer for `/mops lint`, the brief forms and `/readyz`: only a semantic model not yet
    in memory makes a lint wait; rules that can't be read, or have no model, answer at once."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("categories: [not, a, mapping]\n")
    rules = yaml.safe_load(DEFAULT_RULES_PATH.read_text())
    del rules["semantic"]
    (tmp_path / "patterns.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    examples = yaml.safe_load((DEFAULT_RULES_PATH.parent / "compliance_examples.yaml").read_text())
    few = {name: rows[:10] for name, rows in examples.items()}
    few["clean"].append(f"The folder {tmp_path.name} has a sentence no model was trained on.")
    (tmp_path / "examples.yaml").write_text(yaml.safe_dump(few, sort_keys=False))
    untrained = yaml.safe_load(DEFAULT_RULES_PATH.read_text())
    untrained["semantic"]["examples_file"] = str(tmp_path / "examples.yaml")
    (tmp_path / "untrained.yaml").write_text(yaml.safe_dump(untrained, sort_keys=False))

    states = {
        name: compliance_gate.lint_readiness(gated_policy(tmp_path / f"{name}.yaml"))
        for name in ("broken", "patterns", "untrained")
    }
    assert states == {
        "broken": compliance_gate.LintReadiness.UNREADABLE_RULES,
        "patterns": compliance_gate.LintReadiness.NO_MODEL,
        "untrained": compliance_gate.LintReadiness.LOADING,
    }
    assert [state.ready for state in compliance_gate.LintReadiness] == [True, True, True, False]


def create(db: Database, policy: Policy, **overrides: str) -> int:
    with db.transaction() as session:
        outcome = service.create(
            session,
            policy,
            requester_id="U01RITA",
            channel_id="C01MKTG",
            values=fields(policy, **overrides),
            now=NOW,
            delivery_key=None,
        )
        assert isinstance(outcome, service.Outcome) and outcome.ok
        return outcome.brief_id or 0


def test_service_adds_the_gate_in_the_submit_transaction(db: Database) -> None:
    policy = gated_policy()
    flagged, clean = create(db, policy, key_message=CLAIM), create(db, policy)
    with db.transaction() as session:
        assert session.get(service.Brief, flagged).stages == ["brand", "legal"]
        assert session.get(service.Brief, clean).stages == ["brand"]
        events = [
            (e.brief_id, e.action)
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
        posts = [
            (r.ordering_key, r.payload["text"])
            for r in session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.ordering_key == f"brief:{flagged}")
                .order_by(OutboxMessage.id)
            )
        ]
    assert events == [
        (flagged, "create"),
        (flagged, "submit"),
        (flagged, "compliance_gate"),
        (clean, "create"),
        (clean, "submit"),
    ]
    # the parent first, then the submit note, then the findings: the thread reads in order
    assert [text.split(":")[0] for _, text in posts][0] == f"Brief #{flagged}"
    assert "Compliance check" in posts[-1][1]


def test_unreadable_rules_still_gate_and_say_why(db: Database, tmp_path: Path) -> None:
    broken = tmp_path / "rules.yaml"
    broken.write_text("categories: [not, a, mapping]\n")
    brief_id = create(db, gated_policy(broken))
    with db.transaction() as session:
        assert session.get(service.Brief, brief_id).stages == ["brand", "legal", "privacy"]
        note = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert "couldn't read the compliance rules" in note.payload["text"]
    assert str(tmp_path) not in str(note.payload)  # no path on the server in Slack


def test_a_gate_stage_outside_the_workflow_has_the_gate_sla() -> None:
    data = yaml.safe_load(PACKAGE_POLICY.read_text())
    data["workflows"]["brief"]["stages"] = data["workflows"]["brief"]["stages"][:1]  # brand only
    data["compliance"] = {"gate_stages": {"legal": ["@legal-team"]}, "gate_sla": "1 business day"}
    policy = parse_policy(data, version="test")
    from bot.sla.calendar import stage_sla_hours

    day = policy.compliance.gate_sla.business_hours
    assert day > 0
    assert stage_sla_hours(policy, "legal") == day
    assert stage_sla_hours(policy, "brand") == policy.workflows.brief.stages[0].sla.business_hours
    assert stage_sla_hours(policy, "unknown") is None
    del data["compliance"]["gate_sla"]
    assert stage_sla_hours(parse_policy(data, version="test"), "legal") is None


def test_health_says_when_a_tuned_model_is_being_made_beside_the_loaded_one() -> None:
    loaded, loading = compliance_gate.LintReadiness.LOADED, compliance_gate.LintReadiness.LOADING
    assert compliance_words(loaded, tuning=False) == "the compliance model is loaded"
    assert compliance_words(loaded, tuning=True) == (
        "the compliance model is loaded; a sharper one, tuned on the examples, is being made in "
        "the background"
    )
    # While the frozen model itself loads, that is the news: the tuning comes after.
    assert compliance_words(loading, tuning=True) == "the compliance model is still loading"


def test_a_lint_answer_says_which_phrase_each_of_the_models_reasons_is_about() -> None:
    from bot.compliance.messages import lint_answer
    from policies.compliance import Finding

    policy = gated_policy()
    rules = compliance_gate.rules_for(policy)

    def by_model(matched: str, nearest: str, score: float) -> Finding:
        label = LABELS["endorsement"]
        return Finding(
            "endorsement", label, 0, len(matched), matched, "warning", "Get consent.", "legal",
            layer="model", score=score, nearest=nearest,
        )  # fmt: skip

    two = LintResult(
        [
            by_model("Sunita says it got her the job.", "Maria says it changed her life.", 0.91),
            Finding("endorsement", LABELS["endorsement"], 40, 52, "as seen on TV", "warning",
                    "Get consent.", "legal"),
            by_model("Dr Rao recommends it.", "Doctors recommend our cream.", 0.83),
        ]
    )  # fmt: skip
    answer = lint_answer(policy, rules, two)
    assert answer.count("Get consent.") == 1  # one bullet, its guidance once
    assert (
        "`Sunita says it got her the job.`: Found by meaning, not by a listed phrase (91% sure); "
        "it reads like the example “Maria says it changed her life.” "
        "`Dr Rao recommends it.`: Found by meaning, not by a listed phrase (83% sure); "
        "it reads like the example “Doctors recommend our cream.” Needs approval from"
    ) in answer
    assert "`as seen on TV`: Found" not in answer  # a listed phrase needs no reason
    # one phrase: the bullet already names it
    one = lint_answer(policy, rules, LintResult(two.findings[:1]))
    assert "`Sunita says it got her the job.`: *Endorsement or testimonial*" in one
    assert "`Sunita says it got her the job.`: Found" not in one
    assert "(91% sure)" in one
    # an example without a full stop of its own gets one; a model is never "100% sure"
    sure = replace(two.findings[0], nearest="Maria says it changed her life", score=0.996)
    answer = lint_answer(policy, rules, LintResult([sure]))
    assert "(over 99% sure); it reads like the example “Maria says it changed her life”. " in answer
