"""`/mops forget` and the retention purge over the pipeline's words, through the emulator: a
task's Blocked reason, a draft's file name and caption, a link, alt text, a channel variant's
edited text. The words go from every table that held them; the facts stay (the task, who blocked
it and when, the asset row and who attached it, the audit events); another person's words stay;
and the words a live brief still needs to launch stay until it is closed.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app.config import Settings
from bot.app.local import LocalBot
from bot.audit.models import AuditEvent
from bot.core.clock import utcnow
from bot.emulator import Message
from bot.pipeline.models import PipelineTask
from bot.pipeline.readiness_models import Asset, Variant
from bot.slack.models import OutboxMessage
from bot.storage.database import Database
from tests.support.bots import running_bot
from tests.support.briefs import approve, new_brief, outbox_drained, wait_stage, wait_state
from tests.support.clock import Clock
from tests.support.pipeline import task_message, task_rows, with_pipeline
from tests.support.waiting import eventually

SAM_REASON = "Waiting on the KESTREL legal footer from Vera"
BRAM_REASON = "The OSPREY photo shoot moved to Thursday"
SAM_CAPTION = "First cut of the KESTREL hero, logo too small"
SAM_FILE = "kestrel-hero-v1.png"
SAM_LINK = "https://acme.example/kestrel-landing?utm_source=newsletter"
BRAM_CAPTION = "OSPREY alternate crop for the email header"
BRAM_FILE = "osprey-crop.png"
SAM_EDIT = "KESTREL: every office file, backed up hourly"
RITA_EDIT = "OSPREY: restores in two clicks from any browser"
CANCELLED_EDIT = "OSPREY: the spring offer nobody will see"


def approved(local: LocalBot, brief_id: int, **fields: str) -> Message:
    parent = new_brief(local, **fields)
    wait_stage(local, "brand", brief_id)
    approve(local, parent, "bram")
    wait_stage(local, "legal", brief_id)
    approve(local, parent, "lena")
    wait_state(local, "approved", brief_id)
    return parent


def block(local: LocalBot, parent: Message, label: str, as_user: str, reason: str) -> None:
    slack = local.slack
    slack.click("Blocked", as_user=as_user, message=task_message(local, parent, label, "Blocked"))
    assert slack.view_of(as_user) is not None, "the form asking what blocks it"
    result = slack.submit({"reason": reason}, as_user=as_user)
    assert result.status == 200 and not result.errors, result.errors


def attach(local: LocalBot, parent: Message, as_user: str, filename: str, caption: str) -> None:
    local.slack.upload(filename, b"\x89PNG draft", as_user=as_user, thread=parent, text=caption)
    local.slack.wait_for_message(
        lambda m: m.thread_ts == parent.ts and f"{filename}* is attached" in m.text
    )


def add_variants(local: LocalBot, brief_id: int) -> None:
    """Two accepted channel variants, each edited by the person who accepted it. (Drafting
    through Slack loads the sentence encoder, which test_variants.py covers; the rows are what
    a draft and an *Edit & accept* leave.)"""
    now = utcnow()
    with local.runtime.db.transaction() as session:
        for channel, text, by in (
            ("email_subject", SAM_EDIT, "U05SAM"),
            ("email_preheader", RITA_EDIT, "U01RITA"),
        ):
            session.add(
                Variant(
                    brief_id=brief_id,
                    channel=channel,
                    drafted_text=f"the bot's {channel} draft",
                    text=text,
                    status="accepted",
                    needs=[],
                    accepted_by=by,
                    accepted_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )


def everything_stored(local: LocalBot) -> str:
    """Every column that can hold words, of every row the tests touch, as one text to search."""
    with local.runtime.db.read() as session:
        rows: list[object] = []
        for task in session.scalars(select(PipelineTask)):
            rows.append(task.blocked_reason)
        for event in session.scalars(select(AuditEvent)):
            rows += [event.reason, event.detail]
        for asset in session.scalars(select(Asset)):
            rows += [asset.name, asset.url, asset.ref, asset.caption, asset.alt_text, asset.tags]
        for variant in session.scalars(select(Variant)):
            rows += [variant.text, variant.drafted_text]
        for message in session.scalars(select(OutboxMessage)):
            rows += [message.payload, message.last_error]
        return "\n".join(map(str, rows))


def pipeline_traces(local: LocalBot, folder: Path) -> Message:
    """Sam blocks a task, attaches a draft and a link, and edits a variant; Bram and Rita leave
    words of their own beside them, on the same open brief."""
    with_pipeline(local, folder)
    parent = approved(local, 1, channel_mix="Email")
    block(local, parent, "Copy draft", "sam", SAM_REASON)
    block(local, parent, "Design asset", "bram", BRAM_REASON)
    attach(local, parent, "sam", SAM_FILE, SAM_CAPTION)
    attach(local, parent, "bram", BRAM_FILE, BRAM_CAPTION)
    local.slack.say(f"Landing page: {SAM_LINK}", as_user="sam", thread=parent)
    eventually(lambda: len(assets(local)) == 3, "the link attached")
    add_variants(local, 1)
    eventually(lambda: outbox_drained(local), "the outbox drained")
    return parent


def assets(local: LocalBot) -> dict[str, Asset]:
    with local.runtime.db.read() as session:
        found = {a.posted_by + ":" + a.kind: a for a in session.scalars(select(Asset))}
        session.expunge_all()
        return found


def variants(local: LocalBot) -> dict[str, Variant]:
    with local.runtime.db.read() as session:
        found = {v.channel: v for v in session.scalars(select(Variant))}
        session.expunge_all()
        return found


def test_forget_removes_a_persons_pipeline_words_and_keeps_the_facts(
    local: LocalBot, tmp_path: Path
) -> None:
    pipeline_traces(local, tmp_path)
    slack = local.slack
    stored = everything_stored(local)
    for words in (SAM_REASON, SAM_CAPTION, SAM_FILE, SAM_LINK, SAM_EDIT, BRAM_REASON):
        assert words in stored, words
    audit_before = len(audit_events(local))

    shown = slack.command("/mops forget @sam", as_user="omar").ephemeral
    assert shown is not None
    assert "the words of 1 reason they gave for a blocked task" in shown.text
    assert "of 2 drafts and links they attached or described" in shown.text
    assert "their edits to 1 channel variant" in shown.text
    assert everything_stored(local) == stored  # asking changes nothing

    slack.click("Forget them", as_user="omar", message=shown)
    done = slack.wait_for_message(
        lambda m: m.ephemeral_to == "U04OMAR" and m.text.startswith("Done:"), ephemeral=True
    )
    assert "1 reason they gave for a blocked task" in done.text
    assert "2 drafts and links" in done.text and "1 channel variant" in done.text

    after = everything_stored(local)
    for words in (SAM_REASON, SAM_CAPTION, SAM_FILE, "kestrel-landing", SAM_EDIT):
        assert words not in after, words
    for words in (BRAM_REASON, BRAM_CAPTION, BRAM_FILE, RITA_EDIT):  # others' words stay
        assert words in after, words

    # The facts stay: the task is still blocked, by Sam, and the trail says so
    copy = task_rows(local)["copy_draft"]
    assert (copy.status, copy.blocked_reason) == ("blocked", None)
    assert task_rows(local)["design_asset"].blocked_reason == BRAM_REASON
    events = audit_events(local)
    assert len(events) == audit_before + 1  # nothing of the trail went; the request was added
    blocked = [e for e in events if e.action == "task_blocked"]
    assert [(e.actor_id, e.stage, e.reason) for e in blocked] == [
        ("U05SAM", "copy_draft", None),
        ("U02BRAM", "design_asset", BRAM_REASON),
    ]
    [forgotten] = [e for e in events if e.action == "person_forgotten"]
    assert forgotten.actor_id == "U04OMAR"
    assert {k: forgotten.detail[k] for k in ("blocked_reasons", "assets", "variants")} == {
        "blocked_reasons": 1,
        "assets": 2,
        "variants": 1,
    }
    found = assets(local)
    sams = [found["U05SAM:file"], found["U05SAM:link"]]
    assert [(a.name, a.caption, a.url, a.brief_id) for a in sams] == [
        ("(removed)", None, None, 1)
    ] * 2
    assert found["U02BRAM:file"].caption == BRAM_CAPTION
    # Sam's edit is gone; the brief is not live, so the draft waits to be accepted again
    subject, preheader = variants(local)["email_subject"], variants(local)["email_preheader"]
    assert (subject.text, subject.status, subject.accepted_by) == (
        "the bot's email_subject draft",
        "drafted",
        None,
    )
    assert (preheader.text, preheader.status) == (RITA_EDIT, "accepted")

    # Asked again, only the answer Omar just got names Sam: none of Sam's words are left
    again = slack.command("/mops forget @sam", as_user="omar").ephemeral
    assert again is not None
    [line] = [line for line in again.text.splitlines() if line.startswith("• ")]
    assert line == "• my copies (kept for troubleshooting) of 1 message I sent that names them"


def audit_events(local: LocalBot) -> list[AuditEvent]:
    with local.runtime.db.read() as session:
        found = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        session.expunge_all()
        return found


def test_retention_purges_pipeline_words_of_closed_briefs_and_keeps_live_work(
    db: Database, tmp_path: Path
) -> None:
    """Brief 1 is still being worked on: its words stay, whatever their age, except a Blocked
    reason of a task no longer blocked. Brief 2 was cancelled: its words go once old."""
    clock = Clock()
    settings = Settings(database_url=db.url, message_retention_days=30)
    with running_bot(settings, clock=clock, schedule=False) as local:
        retention_keeps_live_work(local, clock, tmp_path)


def retention_keeps_live_work(local: LocalBot, clock: Clock, tmp_path: Path) -> None:
    with_pipeline(local, tmp_path)
    live = approved(local, 1, channel_mix="Email")
    block(local, live, "Copy draft", "sam", SAM_REASON)
    block(local, live, "Design asset", "bram", BRAM_REASON)
    attach(local, live, "sam", SAM_FILE, SAM_CAPTION)
    add_variants(local, 1)
    # Bram unblocks the design asset: his reason no longer holds anything up
    local.slack.click(
        "Claim", as_user="bram", message=task_message(local, live, "Design asset", "Claim")
    )
    eventually(lambda: task_rows(local)["design_asset"].status == "claimed", "claimed")

    closed = approved(local, 2, channel_mix="Email")
    block(local, closed, "Copy draft", "omar", "OSPREY copy waits for the price list")
    attach(local, closed, "bram", BRAM_FILE, BRAM_CAPTION)
    local.slack.command("/brief cancel 2 Duplicate of #1", as_user="rita")
    wait_state(local, "cancelled", 2)
    with local.runtime.db.transaction() as session:
        session.add(
            Variant(
                brief_id=2,
                channel="email_subject",
                drafted_text="the OSPREY draft",
                text=CANCELLED_EDIT,
                status="accepted",
                needs=[],
                accepted_by="U01RITA",
                accepted_at=clock.now,
                created_at=clock.now,
                updated_at=clock.now,
            )
        )
    eventually(lambda: outbox_drained(local), "the outbox drained")
    audit_before = [(e.id, e.action, e.actor_id) for e in audit_events(local)]

    clock.advance(days=29)
    local.runtime.forget_old_rows()
    assert BRAM_CAPTION in everything_stored(local)  # not old enough yet

    clock.advance(days=2)
    local.runtime.forget_old_rows()
    stored = everything_stored(local)
    # Brief 2, cancelled: its words are gone, and those of Bram's claimed task
    for words in ("OSPREY copy waits", BRAM_CAPTION, BRAM_FILE, CANCELLED_EDIT, BRAM_REASON):
        assert words not in stored, words
    # Brief 1, still worked on: a blocked task's reason, the drafts, the variants stay
    for words in (SAM_REASON, SAM_CAPTION, SAM_FILE, SAM_EDIT):
        assert words in stored, words
    # The trail keeps every event (facts: who, what, when), without the words
    assert [(e.id, e.action, e.actor_id) for e in audit_events(local)] == audit_before
    tasks = {t.brief_id: t for t in task_rows_all(local) if t.name == "copy_draft"}
    assert (tasks[2].status, tasks[2].blocked_reason) == ("cancelled", None)
    assert tasks[1].blocked_reason == SAM_REASON
    [old_asset] = [a for a in assets_all(local) if a.brief_id == 2]
    assert (old_asset.name, old_asset.posted_by, old_asset.kind) == ("(removed)", "U02BRAM", "file")
    assert {(v.brief_id, v.text) for v in variants_all(local)} == {
        (1, SAM_EDIT),
        (1, RITA_EDIT),
        (2, ""),
    }

    # A second run finds nothing more
    local.runtime.forget_old_rows()
    assert everything_stored(local) == stored


def task_rows_all(local: LocalBot) -> list[PipelineTask]:
    with local.runtime.db.read() as session:
        found = list(session.scalars(select(PipelineTask)))
        session.expunge_all()
        return found


def assets_all(local: LocalBot) -> list[Asset]:
    with local.runtime.db.read() as session:
        found = list(session.scalars(select(Asset)))
        session.expunge_all()
        return found


def variants_all(local: LocalBot) -> list[Variant]:
    with local.runtime.db.read() as session:
        found = list(session.scalars(select(Variant)))
        session.expunge_all()
        return found
