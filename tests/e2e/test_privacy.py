"""`/mops forget @person` through the emulator, and the retention purge of message text.

What people typed goes; the facts stay: the request (who, when, label, status), the briefs, the
audit trail. Only ops admins may ask, they confirm first, and the audit trail records who asked.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.audit.models import AuditEvent
from bot.briefs.models import Away, Brief
from bot.core.clock import utcnow
from bot.digests.models import UserSetting
from bot.emulator.records import Message
from bot.intake.models import IntakeRequest, IntakeStatus, TicketStatus
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.storage.database import Database
from bot.tasks.models import Task, TaskStatus
from tests.support.briefs import form_values

WORDS = "please make a banner for project NIGHTJAR by friday"


@pytest.fixture
def quiet(db: Database) -> Iterator[LocalBot]:
    """The bot without its background workers: an intake request is stored at the ack and its
    classify task waits (no model is trained); the test sends the outbox by hand."""
    with local_bot(Settings(database_url=db.url), background=False, migrate_first=False) as bot:
        yield bot


def sent(local: LocalBot) -> None:
    local.runtime.sender.drain()


def answer_to(local: LocalBot, user: str) -> str:
    sent(local)
    last = local.slack.last_ephemeral(user)
    assert last is not None
    return last.text


def rita_leaves_traces(local: LocalBot) -> None:
    slack = local.slack
    slack.say(WORDS, as_user="rita", channel="intake")
    assert slack.command("/mops digest on", as_user="rita").status == 200
    until = (date.today() + timedelta(days=30)).isoformat()
    assert slack.command(f"/mops away until {until} @sam", as_user="rita").status == 200
    assert slack.command(f"/mops away until {until} @rita", as_user="bram").status == 200
    sent(local)


def traces(local: LocalBot) -> dict[str, object]:
    with local.runtime.db.read() as session:
        [request] = session.scalars(select(IntakeRequest)).all()
        return {
            "text": request.text,
            "digest": session.get(UserSetting, "U01RITA") is not None,
            "away": session.get(Away, "U01RITA") is not None,
            "bram_delegate": session.get_one(Away, "U02BRAM").delegate_id,
            "tasks": len(session.scalars(select(Task)).all()),
        }


def sent_naming(local: LocalBot, user_id: str) -> list[int]:
    """Ids of outbox rows sent (or given up on) whose payload names the person."""
    with local.runtime.db.read() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status != OutboxStatus.PENDING)
        )
        return [row.id for row in rows if user_id in str(row.payload)]


def preview(local: LocalBot, as_user: str) -> Message:
    result = local.slack.command("/mops forget @rita", as_user=as_user)
    assert result.ok, result
    assert result.ephemeral is not None
    return result.ephemeral


def test_an_ops_admin_sees_what_goes_confirms_and_the_words_and_settings_are_gone(
    quiet: LocalBot,
) -> None:
    rita_leaves_traces(quiet)
    before = traces(quiet)
    assert before == {
        "text": WORDS,
        "digest": True,
        "away": True,
        "bram_delegate": "U01RITA",
        "tasks": 1,
    }

    shown = preview(quiet, "omar")
    assert "Forget <@U01RITA>?" in shown.text
    assert "the words of 1 intake request" in shown.text
    assert "their daily digest setting" in shown.text and "their away setting" in shown.text
    assert "delegate in the away setting of <@U02BRAM>" in shown.text
    naming_her = sent_naming(quiet, "U01RITA")  # the DM telling Sam, her ephemeral answers
    assert f"of {len(naming_her)} messages I sent that name them" in shown.text
    assert "can't be undone" in shown.text and "audit trail" in shown.text
    assert traces(quiet) == before  # asking changes nothing

    quiet.slack.click("Cancel", as_user="omar", message=shown)
    assert answer_to(quiet, "omar") == "Nothing was removed."
    assert traces(quiet) == before

    quiet.slack.click("Forget them", as_user="omar", message=shown)
    done = answer_to(quiet, "omar")
    assert done.startswith("Done: I removed, for <@U01RITA>:")
    assert traces(quiet) == {
        "text": "",
        "digest": False,
        "away": False,
        "bram_delegate": None,  # Bram is still away, without a delegate
        "tasks": 0,
    }
    with quiet.runtime.db.read() as session:
        [request] = session.scalars(select(IntakeRequest)).all()
        assert (request.user_id, request.channel_id) == ("U01RITA", "C02INTAKE")  # the facts
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person_forgotten")
        ).all()
        assert event.actor_id == "U04OMAR"
        assert event.detail == {
            "user": "U01RITA",
            "request_texts": 1,
            "digest_setting": True,
            "away_setting": True,
            "delegate_for": ["U02BRAM"],
            "outbox_rows": event.detail["outbox_rows"],
            "blocked_reasons": 0,
            "assets": 0,
            "variants": 0,
            "corrections": 0,
        }
        assert event.detail["outbox_rows"] == len(naming_her)
        assert "NIGHTJAR" not in str(event.detail)
    assert not set(sent_naming(quiet, "U01RITA")) & set(naming_her)

    # Slack retries the click: nothing happens twice, nothing more is said
    answers = len(quiet.slack.ephemerals_for("omar"))
    assert quiet.driver.redeliver().status == 200
    sent(quiet)
    assert len(quiet.slack.ephemerals_for("omar")) == answers
    with quiet.runtime.db.read() as session:
        assert (
            len(
                session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "person_forgotten")
                ).all()
            )
            == 1
        )


def test_a_person_who_is_not_an_ops_admin_is_refused_and_nothing_changes(quiet: LocalBot) -> None:
    rita_leaves_traces(quiet)
    before = traces(quiet)
    result = quiet.slack.command("/mops forget @rita", as_user="lena")
    assert result.ephemeral is not None
    assert result.ephemeral.text == "Only ops admins can make the bot forget a person."
    assert result.ephemeral.blocks == [] or "Forget them" not in str(result.ephemeral.blocks)
    # Lena forges the click on the admin's confirmation: refused, nothing removed
    shown = preview(quiet, "omar")
    quiet.driver.click(shown, "Forget them", "U03LENA")
    assert answer_to(quiet, "lena") == "Only ops admins can make the bot forget a person."
    assert traces(quiet) == before


def test_bad_words_get_the_usage_and_a_malformed_button_changes_nothing(quiet: LocalBot) -> None:
    rita_leaves_traces(quiet)
    before = traces(quiet)
    slack = quiet.slack
    for words in ("/mops forget", "/mops forget @rita @sam", "/mops forget @nobody"):
        answer = slack.command(words, as_user="omar").ephemeral
        assert answer is not None and "Usage: `/mops forget @person`" in answer.text, words
    shown = preview(quiet, "omar")
    [button] = [
        element
        for block in shown.blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "privacy_forget"
    ]
    tampered = {**button, "value": "rita; DROP TABLE"}
    forged = replace(shown, blocks=[{"type": "actions", "block_id": "x", "elements": [tampered]}])
    quiet.driver.click(forged, "Forget them", "U04OMAR")
    assert answer_to(quiet, "omar") == "That button is out of date, so nothing was done."
    assert traces(quiet) == before


def test_someone_the_bot_holds_nothing_of_gets_no_buttons(quiet: LocalBot) -> None:
    answer = quiet.slack.command("/mops forget @lena", as_user="omar").ephemeral
    assert answer is not None
    assert answer.text.startswith("I hold nothing of <@U03LENA> to remove.")
    assert "Forget them" not in str(answer.blocks)


# -- retention -------------------------------------------------------------------------------


def add_request(
    session: Session, *, days_ago: int, status: str, label: str | None, ticket: str
) -> int:
    request = IntakeRequest(
        channel_id="C02INTAKE",
        ts=f"{days_ago}.{status}{label}{ticket}",
        user_id="U01RITA",
        text=f"words {days_ago} {status} {label} {ticket}",
        status=status,
        label=label,
        ticket_status=ticket,
        received_at=utcnow() - timedelta(days=days_ago),
    )
    session.add(request)
    session.flush()
    return request.id


def test_the_retention_job_removes_old_words_and_keeps_open_work_briefs_and_the_trail(
    db: Database,
) -> None:
    settings = Settings(database_url=db.url, message_retention_days=30)
    with local_bot(settings, background=False, migrate_first=False) as bot:
        bot.slack.command("/brief new", as_user="rita")
        assert bot.slack.submit(form_values(bot.runtime.policy), as_user="rita").ok
        bot.runtime.sender.drain()
        with db.transaction() as session:
            done_old = add_request(
                session,
                days_ago=40,
                status=IntakeStatus.ROUTED,
                label="design",
                ticket=TicketStatus.DONE,
            )
            chatter_old = add_request(
                session,
                days_ago=40,
                status=IntakeStatus.ROUTED,
                label=None,
                ticket=TicketStatus.NEW,
            )
            open_old = add_request(
                session,
                days_ago=40,
                status=IntakeStatus.ROUTED,
                label="design",
                ticket=TicketStatus.CLAIMED,
            )
            asking_old = add_request(
                session,
                days_ago=40,
                status=IntakeStatus.AWAITING_CONFIRMATION,
                label=None,
                ticket=TicketStatus.NEW,
            )
            done_new = add_request(
                session,
                days_ago=5,
                status=IntakeStatus.ROUTED,
                label="design",
                ticket=TicketStatus.DONE,
            )
            old = utcnow() - timedelta(days=40)
            session.add_all(
                [
                    Task(
                        kind="intake.classify",
                        payload={"text": "old"},
                        status=TaskStatus.DONE,
                        created_at=old,
                    ),
                    Task(
                        kind="intake.classify",
                        payload={"text": "waiting"},
                        status=TaskStatus.PENDING,
                        created_at=old,
                    ),
                    OutboxMessage(
                        method="chat.postMessage",
                        payload={"channel": "C1", "text": "gave up"},
                        status=OutboxStatus.FAILED,
                        created_at=old,
                    ),
                    OutboxMessage(
                        method="chat.postMessage",
                        payload={"channel": "C1", "text": "still to go"},
                        created_at=old,
                        not_before=utcnow() + timedelta(hours=1),
                    ),
                ]
            )
        with db.read() as session:
            audit_before = len(session.scalars(select(AuditEvent)).all())
            brief_before = session.get_one(Brief, 1).fields
            sent_today = [
                r.id
                for r in session.scalars(select(OutboxMessage))
                if r.payload.get("channel") != "C1"
            ]
        assert sent_today  # the brief was posted: there is something to keep
        bot.runtime.forget_old_rows()
        with db.read() as session:
            texts = dict(session.execute(select(IntakeRequest.id, IntakeRequest.text)).all())
            assert texts[done_old] == "" and texts[chatter_old] == ""
            assert texts[open_old].startswith("words") and texts[asking_old].startswith("words")
            assert texts[done_new].startswith("words")
            classify = select(Task).where(Task.kind == "intake.classify")
            assert [t.payload["text"] for t in session.scalars(classify)] == ["waiting"]
            rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            mine = [r.payload["text"] for r in rows if r.payload["channel"] == "C1"]
            assert mine == ["still to go"]  # pending: it is still to be sent
            # and the brief's own messages, sent today
            assert [r.id for r in rows if r.payload["channel"] != "C1"] == sent_today
            assert len(session.scalars(select(AuditEvent)).all()) == audit_before
            assert session.get_one(Brief, 1).fields == brief_before  # the team's record


def test_retention_0_keeps_message_text(db: Database) -> None:
    settings = Settings(database_url=db.url, message_retention_days=0)
    with local_bot(settings, background=False, migrate_first=False) as bot:
        with db.transaction() as session:
            kept = add_request(
                session,
                days_ago=4000,
                status=IntakeStatus.ROUTED,
                label=None,
                ticket=TicketStatus.NEW,
            )
        bot.runtime.forget_old_rows()
        with db.read() as session:
            assert session.get_one(IntakeRequest, kept).text.startswith("words")


# -- the intake model's copies ---------------------------------------------------------------

RITA_CORRECTED = "rita needs the OSPREY event booth poster redone"
BRAM_CORRECTED = "bram: the KESTREL hubspot form stopped syncing"


def tiny_taxonomy(folder: Path) -> Path:
    """Twenty examples of two labels: enough for the retrain's 5 folds, quick to train."""
    path = folder / "examples.csv"
    design = ["banner", "poster", "logo", "illustration", "hero image", "icon set", "brochure"]
    design += ["social graphic", "infographic", "slide design"]
    tooling = ["hubspot form", "salesforce sync", "CMS login", "analytics tag", "tracking pixel"]
    tooling += ["email tool", "zapier flow", "crm field", "dashboard", "api key"]
    rows = [f"please help with the {w} for our team,design" for w in design]
    rows += [f"the {w} is broken for our team,tooling" for w in tooling]
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    return path


def stored_pairs(directory: Path) -> list[list[str]]:
    return json.loads((directory / "corrections.json").read_text())


@pytest.mark.slow
def test_forget_and_retention_remove_the_words_from_the_intake_models_files(
    db: Database, tmp_path: Path
) -> None:
    """A retrain keeps people's corrections (their requests' words) in corrections.json beside
    the model, and the model it replaced keeps its own: forgetting Rita removes her words from
    both, Bram's stay until the retention purge, and a retrain still works afterwards."""
    from bot.intake.classifier import retrain_and_maybe_promote, train_from_policy
    from bot.intake.service import labelled_examples

    examples = tiny_taxonomy(tmp_path)
    model = tmp_path / "model"
    corrections = [(RITA_CORRECTED, "design"), (BRAM_CORRECTED, "tooling")]
    train_from_policy(examples, model, corrections, progress=False)
    previous = model.with_name("model.previous")
    shutil.copytree(model, previous)
    settings = Settings(database_url=db.url, intake_model_dir=model, message_retention_days=30)
    with local_bot(settings, background=False, migrate_first=False) as bot:
        bot.slack.say(RITA_CORRECTED, as_user="rita", channel="intake")
        bot.slack.say(BRAM_CORRECTED, as_user="bram", channel="intake")
        with db.transaction() as session:  # both were labelled by a person, and done
            for request in session.scalars(select(IntakeRequest)):
                request.status, request.confirmed_by = IntakeStatus.ROUTED, "U05SAM"
                request.label = "design" if request.user_id == "U01RITA" else "tooling"
                request.ticket_status = TicketStatus.DONE
        for directory in (model, previous):
            assert sorted(map(tuple, stored_pairs(directory))) == sorted(corrections)

        shown = preview(bot, "omar")
        assert "2 copies of their requests' words kept to train the intake model" in shown.text
        bot.slack.click("Forget them", as_user="omar", message=shown)
        assert answer_to(bot, "omar").startswith("Done: I removed, for <@U01RITA>:")
        for directory in (model, previous):
            assert stored_pairs(directory) == [[BRAM_CORRECTED, "tooling"]]
        with db.read() as session:
            [event] = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "person_forgotten")
            ).all()
            assert event.detail["corrections"] == 2
            assert "OSPREY" not in str(event.detail)
            corrected = labelled_examples(session)
        assert corrected == [(BRAM_CORRECTED, "tooling")]

        # The retrain still works: it trains on what is held, and writes no word of Rita's
        candidate = model.with_name("model.candidate")  # where `mopsbot intake retrain` puts it
        result = retrain_and_maybe_promote(examples, corrected, model, candidate)
        assert result.current_score is not None and result.folds == 5
        assert stored_pairs(model) == [[BRAM_CORRECTED, "tooling"]]

        # Retention: once Bram's request is older than 30 days, his words leave the files too
        bot.runtime.forget_old_rows()
        assert stored_pairs(model) == [[BRAM_CORRECTED, "tooling"]]  # not old yet
        with db.transaction() as session:
            for request in session.scalars(select(IntakeRequest)):
                request.received_at = utcnow() - timedelta(days=31)
        bot.runtime.forget_old_rows()
        on_disk = list(tmp_path.rglob("corrections.json"))
        assert len(on_disk) >= 2
        for path in on_disk:
            assert "KESTREL" not in path.read_text() and "OSPREY" not in path.read_text(), path


def test_when_the_models_files_cannot_be_written_nothing_is_removed(
    db: Database, tmp_path: Path
) -> None:
    """The files are rewritten inside the unit of work: a failure (here a directory where the
    new file must go) rolls the database back, and the admin is told; pressing again works."""
    model, previous = tmp_path / "model", tmp_path / "model.previous"
    for directory in (model, previous):
        directory.mkdir()
        pairs = [[RITA_CORRECTED, "design"], [BRAM_CORRECTED, "tooling"]]
        (directory / "corrections.json").write_text(json.dumps(pairs))
    blocker = previous / f".corrections.json.tmp-{os.getpid()}"
    blocker.mkdir()
    settings = Settings(database_url=db.url, intake_model_dir=model, message_retention_days=30)
    with local_bot(settings, background=False, migrate_first=False) as bot:
        bot.slack.say(RITA_CORRECTED, as_user="rita", channel="intake")
        with db.transaction() as session:
            [request] = session.scalars(select(IntakeRequest)).all()
            request.status, request.label = IntakeStatus.ROUTED, "design"
            request.ticket_status = TicketStatus.DONE
            request.received_at = utcnow() - timedelta(days=31)
        files_before = [(d / "corrections.json").read_text() for d in (model, previous)]

        def unchanged() -> None:
            with db.read() as session:
                assert session.scalars(select(IntakeRequest.text)).all() == [RITA_CORRECTED]
                forgotten = select(AuditEvent).where(AuditEvent.action == "person_forgotten")
                assert session.scalars(forgotten).all() == []
            assert [(d / "corrections.json").read_text() for d in (model, previous)] == (
                files_before
            )
            assert sorted(p.name for p in model.iterdir()) == ["corrections.json"]

        bot.runtime.forget_old_rows()  # the retention purge: nothing half-done either
        unchanged()
        shown = preview(bot, "omar")
        assert "2 copies of their requests' words kept to train the intake model" in shown.text
        bot.slack.click("Forget them", as_user="omar", message=shown)
        assert answer_to(bot, "omar").startswith(
            "Nothing was removed: I couldn't rewrite the intake model's files"
        )
        unchanged()

        blocker.rmdir()
        bot.slack.click("Forget them", as_user="omar", message=shown)
        assert answer_to(bot, "omar").startswith("Done: I removed, for <@U01RITA>:")
        for directory in (model, previous):
            assert stored_pairs(directory) == [[BRAM_CORRECTED, "tooling"]]
        with db.read() as session:
            assert session.scalars(select(IntakeRequest.text)).all() == [""]
