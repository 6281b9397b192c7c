"""Drafts and links in a brief's thread through the emulator: attached, tagged and checked; a
draft image with no alt text holds the brief at its stage until a person adds it."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from bot.app.local import LocalBot
from bot.audit.models import AuditEvent
from bot.compliance.layers import lint_text
from bot.compliance.service import rules_for
from bot.emulator import Message
from bot.pipeline.readiness_models import Asset
from tests.support.briefs import approve, new_brief, wait_stage
from tests.support.waiting import eventually


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def brief_with_thread(local: LocalBot, **overrides: str) -> Message:
    """A new brief, once its thread is known to the bot (its checklist is posted in it): a
    reply before then would be a reply to a message the bot doesn't know it posted yet."""
    parent = new_brief(local, **overrides)
    local.slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and m.text.startswith("Checklist for brief")
    )
    return parent


def assets(local: LocalBot) -> list[Asset]:
    with local.runtime.db.transaction() as session:
        found = list(session.scalars(select(Asset).order_by(Asset.id)))
        session.expunge_all()
        return found


def checks(local: LocalBot) -> list[dict]:
    """The `asset_checked` events' details, oldest first."""
    with local.runtime.db.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "asset_checked").order_by(AuditEvent.id)
        )
        return [dict(event.detail or {}) for event in events]


def test_a_draft_without_alt_text_is_fixed_in_a_modal_and_the_stage_can_be_left(
    local: LocalBot,
) -> None:
    slack = local.slack
    parent = brief_with_thread(local, channel_mix="Social")
    slack.upload(
        "2027-03-spring-launch-hero.png",
        png(1200, 675),
        as_user="rita",
        thread=parent,
        text="Hero image for the launch",
    )
    checked = slack.wait_for_message(
        lambda m: (
            m.thread_ts == parent.ts and "2027-03-spring-launch-hero.png* is attached" in m.text
        )
    )
    assert "(tagged X post, image," in checked.text  # 1200x675 is an X image size
    assert "1 thing to fix" in checked.text and "it has no alt text" in checked.text
    (hero,) = assets(local)
    assert (hero.width, hero.height, hero.alt_text) == (1200, 675, None)
    assert hero.caption == "Hero image for the launch"

    approve(local, parent, "bram")
    refusal = slack.wait_for_message(lambda m: "can't be approved yet" in m.text, ephemeral=True)
    assert "*Alt text on every image*: 2027-03-spring-launch-hero.png has no alt text" in (
        refusal.text
    )
    assert wait_stage(local, "brand").state == "in_review"

    # Someone with no part in the brief can't change its assets, and no form opens for them.
    slack.click("Fix details", as_user="lena", message=checked)
    assert slack.view_of("lena") is None
    told = slack.wait_for_message(lambda m: "can change the details" in m.text, ephemeral=True)
    assert told.text.startswith("Only <@U01RITA>, <@U01RITA> or an ops admin")

    slack.click("Fix details", as_user="rita", message=checked)
    assert slack.view_of("rita") is not None
    result = slack.submit({"alt_text": "A laptop with the spring launch banner"}, as_user="rita")
    assert result.status == 200 and not result.errors, result.errors
    again = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "is checked again" in m.text
    )
    assert "Nothing is missing." in again.text
    assert eventually(lambda: assets(local)[0].alt_text, "the alt text saved") == (
        "A laptop with the spring launch banner"
    )
    approve(local, parent, "bram")
    wait_stage(local, "legal")
    # Each check names the rules and the model that read its caption, and found nothing in it.
    rules = rules_for(local.runtime.policy)
    model = lint_text("Hero image for the launch", rules).model
    assert model is not None and model.startswith("frozen:")
    assert [(c["problems"], c["rules_version"], c["models"]) for c in checks(local)] == [
        (["alt_text"], rules.version, [model]),
        ([], rules.version, [model]),
    ]


def test_a_draft_whose_message_is_deleted_comes_off_the_brief(local: LocalBot) -> None:
    """The wrong file shared and deleted must not hold the brief up."""
    slack = local.slack
    parent = brief_with_thread(local, channel_mix="Social")
    shared = slack.upload("wrong.png", png(1200, 675), as_user="rita", thread=parent)
    slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "*wrong.png* is attached" in m.text
    )
    url = "https://acme.example/spring?utm_source=x&utm_medium=social&utm_campaign=spring"
    link = slack.say(f"and {url}", as_user="rita", thread=parent)
    slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "acme.example/spring" in m.text)
    assert [a.kind for a in assets(local)] == ["file", "link"]

    assert local.driver.delete_message("marketing", "rita", shared.ts).ok
    said = slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "no longer" in m.text)
    assert said.text == (
        "*wrong.png* is no longer attached to brief #1: the message that shared it was deleted."
    )
    assert [a.kind for a in assets(local)] == ["link"]  # the link's message stays
    approve(local, parent, "bram")  # the missing alt text held it; nothing holds it now
    wait_stage(local, "legal")
    with local.runtime.db.read() as session:
        removed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "asset_removed")
        ).all()
        assert [e.detail for e in removed] == [{"asset": 1}]  # the id, not the file's name
    slack.command("/brief show 1", as_user="rita")
    history = slack.last_ephemeral("rita")
    assert history is not None and (
        "an attachment came off the brief: the message that shared it was deleted" in history.text
    )
    assert local.driver.delete_message("marketing", "rita", link.ts).ok
    eventually(lambda: not assets(local), "the link off the brief too")


def test_a_draft_whose_file_is_deleted_comes_off_the_brief(local: LocalBot) -> None:
    """Delete file (the file's own menu, not the message's) takes it off too; the message that
    shared it stays, with Slack's tombstone where the file was."""
    slack = local.slack
    parent = brief_with_thread(local, channel_mix="Social")
    wrong = slack.upload("wrong.png", png(1200, 675), as_user="rita", thread=parent, text="v1")
    checked = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "*wrong.png* is attached" in m.text
    )
    assert "`2027-03-spring-launch-hero.png`, share it again and delete this one" in checked.text
    slack.upload(
        "right.png", png(1200, 675), as_user="rita", thread=parent, alt_text="The launch banner"
    )
    slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "*right.png* is attached" in m.text
    )
    file_id = wrong.files[0]["id"]

    delivered = local.driver.delete_file("rita", file_id)
    assert delivered.ok
    said = slack.wait_for_message(lambda m: m.thread_ts == parent.ts and "no longer" in m.text)
    assert said.text == "*wrong.png* is no longer attached to brief #1: the file was deleted."
    assert [a.name for a in assets(local)] == ["right.png"]
    slack.click("Fix details", as_user="rita", message=checked)  # on the message about it
    gone = slack.wait_for_message(lambda m: "no longer attached to the" in m.text, ephemeral=True)
    assert gone.text == "That file or link is no longer attached to the brief: nothing to fix."
    assert slack.view_of("rita") is None
    # Slack delivers an event again when it saw no ack in time: nothing more comes off.
    again = local.driver.event(
        {"type": "file_deleted", "file_id": file_id, "event_ts": "1.2"}, retry_num=1
    )
    assert again.ok
    approve(local, parent, "bram")  # wrong.png's missing alt text held it; nothing does now
    wait_stage(local, "legal")
    with local.runtime.db.read() as session:
        removed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "asset_removed")
        ).all()
        assert [e.detail for e in removed] == [{"asset": 1, "why": "file_deleted"}]
    notes = [m for m in slack.thread(parent).messages if "no longer attached" in m.text]
    assert len(notes) == 1
    slack.command("/brief show 1", as_user="rita")
    history = slack.last_ephemeral("rita")
    assert history is not None
    assert "an attachment came off the brief: its file was deleted in Slack" in history.text


def test_a_link_without_utm_tags_is_attached_with_what_to_add(local: LocalBot) -> None:
    slack = local.slack
    parent = brief_with_thread(local)
    slack.say(
        "Landing page draft: https://acme.example/spring?utm_source=newsletter",
        as_user="rita",
        thread=parent,
    )
    checked = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and m.bot_id and "is attached" in m.text
    )
    assert "*acme.example/spring?utm_source=newsletter*" in checked.text
    assert "the link has no utm_medium or utm_campaign" in checked.text
    (link,) = assets(local)
    assert link.kind == "link" and link.tags["format"] == "link"
    [check] = checks(local)  # in the transaction that queued the message
    version = rules_for(local.runtime.policy).version
    assert (check["rules_version"], check["models"]) == (version, [])  # no caption: no model read


def test_a_caption_claim_without_a_listed_phrase_is_read_by_the_model(local: LocalBot) -> None:
    slack = local.slack
    parent = brief_with_thread(local, channel_mix="Social")
    promise = "Your savings are fully protected, whatever the market does."
    slack.upload(
        "2027-03-spring-launch-hero.png",
        png(1200, 675),
        as_user="rita",
        thread=parent,
        text=promise,
    )
    checked = slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and "is attached" in m.text, timeout=30
    )
    # The patterns list no phrase of it; the model reads it as the promise it is, and says so
    # in words that don't overclaim.
    assert f"the caption's \u201c{promise}\u201d reads as a financial promise (" in checked.text
    assert "% sure)" in checked.text
    # The trail names the model whose finding it was, beside the rules version.
    rules = rules_for(local.runtime.policy)
    [finding] = lint_text(promise, rules).findings
    assert finding.layer == "model" and finding.model is not None
    [check] = checks(local)
    assert "caption" in check["problems"]  # and alt_text: the image has none
    assert (check["rules_version"], check["models"]) == (rules.version, [finding.model])
