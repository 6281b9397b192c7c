"""Channel variants through the emulator: drafted by the bot from the master copy with the real
encoder, edited and accepted by a person; too long, a missing opt-out or a regulated claim is
refused inline; nothing counts as accepted without that click."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.app.local import LocalBot
from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.compliance.layers import lint_text
from bot.compliance.service import rules_for
from bot.emulator import Message
from bot.pipeline import launch
from bot.pipeline.readiness_models import Variant
from policies.compliance import DEFAULT_RULES_PATH, lint
from tests.support.briefs import new_brief
from tests.support.policies import use_policy
from tests.support.waiting import eventually

MASTER = (
    "Acme Cloud Backup keeps every office file safe with hourly backups. "
    "Restores take two clicks from any browser. "
    "Our office dog is called Biscuit. "
    "The Team plan adds a year of version history for every seat."
)


def variants(local: LocalBot) -> dict[str, Variant]:
    with local.runtime.db.transaction() as session:
        found = {v.channel: v for v in session.scalars(select(Variant))}
        session.expunge_all()
        return found


def drafted(local: LocalBot, parent: Message, label: str) -> Message:
    return local.slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and m.text.startswith(f"*{label}* draft"),
        timeout=60,  # the first drafting loads the encoder
    )


def audit_details(local: LocalBot, action: str) -> list[dict]:
    with local.runtime.db.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [dict(event.detail or {}) for event in events]


# A promise with no listed phrase: only the semantic model finds it.
PROMISE = "Your savings are fully protected, whatever the market does."


@pytest.mark.slow
def test_variants_are_drafted_edited_and_accepted_by_a_person(local: LocalBot) -> None:
    slack = local.slack
    parent = new_brief(local, channel_mix="Email", key_message=MASTER)

    slack.command("/brief variants 1", as_user="bram")
    told = slack.wait_for_message(lambda m: "can ask for variants" in m.text, ephemeral=True)
    assert told.text.startswith("Only <@U01RITA> or an ops admin")
    assert slack.view_of("bram") is None

    slack.command("/brief variants 1", as_user="rita")
    form = slack.view_of("rita")
    assert form is not None
    assert "draft the Email subject and Email preheader from this copy" in str(form["blocks"])
    result = slack.submit({}, as_user="rita")  # the master copy is the brief's key message
    assert result.status == 200 and not result.errors, result.errors

    subject = drafted(local, parent, "Email subject")
    preheader = drafted(local, parent, "Email preheader")
    assert "Biscuit" not in subject.text and "Edit & accept" in str(subject.blocks)
    assert set(variants(local)) == {"email_subject", "email_preheader"}
    assert all(v.status == "drafted" for v in variants(local).values())

    slack.click("Edit & accept", as_user="rita", message=subject)
    too_long = "Acme Cloud Backup keeps every office file safe, hour after hour"
    result = slack.submit({"text": too_long}, as_user="rita")
    assert result.errors == {
        "text": f"Email subject is {len(too_long)} characters as it counts them; the limit is "
        f"60: cut {len(too_long) - 60}."
    }
    result = slack.submit({"text": "Guaranteed returns on your backups"}, as_user="rita")
    assert "regulated claim" in result.errors["text"] and "@legal-team" in result.errors["text"]
    # No listed phrase: the semantic model reads the promise, as it does in a brief's copy.
    promise = "Your savings are fully protected, whatever the market does"
    result = slack.submit({"text": promise}, as_user="rita")
    assert f"“{promise}” (financial promise)" in result.errors["text"], result.errors
    assert "so @legal-team accepts it" in result.errors["text"]  # plain text: no bold marks
    result = slack.submit({"text": "Every office file, backed up hourly"}, as_user="rita")
    assert result.status == 200 and not result.errors, result.errors

    accepted = eventually(
        lambda: (
            "accepted by <@U01RITA>"
            in (m := slack.emulator.message(subject.channel, subject.ts)).text
            and m
        ),
        "the subject's message updated",
    )
    assert "Every office file, backed up hourly" in accepted.text
    assert "Edit & accept" not in str(accepted.blocks)
    stored = variants(local)
    assert stored["email_subject"].status == "accepted"
    assert stored["email_subject"].text == "Every office file, backed up hourly"
    assert stored["email_preheader"].status == "drafted"  # nobody accepted it: not ready
    assert eventually(
        lambda: any(
            "the Email preheader is not accepted yet" in str(m.blocks)
            for m in slack.emulator.thread(parent.channel, parent.ts)
        ),
        "the checklist redrawn: one variant still waits",
    )
    assert preheader.ts != subject.ts
    with local.runtime.db.transaction() as session:  # the launch waits for it too
        brief = session.get(Brief, 1)
        found = launch.blockers(session, local.runtime.policy, brief, local.runtime.clock())
        texts = [b.text for b in found if b.kind == "checklist"]
    assert texts == ["*Every channel variant accepted*: the Email preheader is not accepted yet"]


@pytest.mark.slow
def test_a_refused_claim_names_a_person_who_may_accept_it_by_name(
    local: LocalBot, tmp_path: Path
) -> None:
    """A modal's error is plain text: a person is @name (from Slack), never a <@U…> token."""
    use_policy(
        local,
        tmp_path,
        lambda data: data["compliance"]["gate_stages"].update(legal=["U03LENA"]),
    )
    slack = local.slack
    parent = new_brief(local, channel_mix="Email", key_message=MASTER)
    slack.command("/brief variants 1", as_user="rita")
    assert slack.submit({}, as_user="rita").status == 200
    subject = drafted(local, parent, "Email subject")
    slack.click("Edit & accept", as_user="rita", message=subject)
    result = slack.submit({"text": "Guaranteed returns on your backups"}, as_user="rita")
    assert "regulated claim" in result.errors["text"], result.errors
    assert "so @lena accepts it." in result.errors["text"], result.errors


@pytest.mark.slow
def test_the_trail_names_the_rules_and_the_model_that_decided_who_accepts_a_variant(
    local: LocalBot,
) -> None:
    slack = local.slack
    rules = rules_for(local.runtime.policy)
    assert not lint(PROMISE, rules).findings  # the patterns miss it
    read = lint_text(PROMISE, rules)
    model = read.model  # the tests don't tune: the frozen encoder's model reads it
    assert model is not None and model.startswith("frozen:")
    assert {(f.layer, f.model) for f in read.findings} == {("model", model)}
    parent = new_brief(local, channel_mix="Email", key_message=PROMISE)
    slack.command("/brief variants 1", as_user="rita")
    assert slack.submit({}, as_user="rita").status == 200
    subject = drafted(local, parent, "Email subject")
    preheader = drafted(local, parent, "Email preheader")
    stored = variants(local)
    assert {name: (v.text, v.needs) for name, v in stored.items()} == {
        "email_subject": (PROMISE, ["legal"]),  # one sentence: the whole master
        "email_preheader": (PROMISE, ["legal"]),
    }
    [drafting] = audit_details(local, "variants_drafted")
    assert drafting == {
        "channels": ["email_subject", "email_preheader"],
        "rules_version": rules.version,
        "models": [model],  # the model whose finding made legal accept them
    }

    # A clean rewrite, accepted by the requester: the same model read it and found nothing,
    # which is what let her accept it.
    slack.click("Edit & accept", as_user="rita", message=subject)
    result = slack.submit({"text": "Every office file, backed up hourly"}, as_user="rita")
    assert result.status == 200 and not result.errors, result.errors
    # The promise as drafted, accepted by legal, whose approval its finding asked for.
    slack.click("Edit & accept", as_user="lena", message=preheader)
    result = slack.submit({"text": PROMISE}, as_user="lena")
    assert result.status == 200 and not result.errors, result.errors
    accepted = audit_details(local, "variant_accepted")  # recorded before the modal closed
    assert accepted == [
        {
            "channel": "email_subject",
            "edited": True,
            "rules_version": rules.version,
            "models": [model],
        },
        {
            "channel": "email_preheader",
            "edited": False,
            "rules_version": rules.version,
            "models": [model],
        },
    ]
    assert variants(local)["email_preheader"].needs == ["legal"]


@pytest.mark.slow
def test_a_variant_judged_by_patterns_only_names_no_model(local: LocalBot, tmp_path: Path) -> None:
    rules = yaml.safe_load(DEFAULT_RULES_PATH.read_text())
    del rules["semantic"]  # patterns only
    (tmp_path / "patterns.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    use_policy(
        local,
        tmp_path,
        lambda data: data["compliance"].update(rules_file=str(tmp_path / "patterns.yaml")),
    )
    parent = new_brief(
        local, channel_mix="Email", key_message="Guaranteed returns on your backups."
    )
    local.slack.command("/brief variants 1", as_user="rita")
    assert local.slack.submit({}, as_user="rita").status == 200
    drafted(local, parent, "Email preheader")
    assert {v.needs == ["legal"] for v in variants(local).values()} == {True}
    [drafting] = audit_details(local, "variants_drafted")
    version = rules_for(local.runtime.policy).version
    assert (drafting["rules_version"], drafting["models"]) == (version, [])
