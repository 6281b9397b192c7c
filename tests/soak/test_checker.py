"""The invariant checker can fail: against the in-process bot, a clean brief passes, and a post
repeated, a cause left unacked or an outbox row left undelivered are each reported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import update

from bot.app.config import Settings
from bot.app.local import LocalBot
from bot.slack.models import OutboxMessage
from bot.storage.database import Database
from tests.soak.invariants import check
from tests.soak.load import Ledger
from tests.support.bots import running_bot
from tests.support.briefs import new_brief, outbox_drained
from tests.support.waiting import eventually


@pytest.fixture
def local(db: Database) -> Iterator[LocalBot]:
    with running_bot(Settings(database_url=db.url)) as running:
        yield running


def filed(local: LocalBot) -> Ledger:
    new_brief(local, title="Checked brief")
    eventually(lambda: outbox_drained(local), "the outbox drained")
    ledger = Ledger()
    ledger.did("Checked brief", "create")
    return ledger


def test_a_clean_run_passes(local: LocalBot) -> None:
    verdict = check(local.runtime.db, local.emulator, filed(local))
    assert verdict.ok, verdict.problems
    assert verdict.kinds["briefs"].observed == 1
    assert verdict.kinds["brief parents"].observed == 1


def test_a_post_sent_twice_is_a_duplicate(local: LocalBot) -> None:
    ledger = filed(local)
    parent = next(
        c
        for c in local.emulator.calls_to("chat.postMessage")
        if c.ok and str(c.args.get("text")).startswith("Brief #")
    )
    WebClient(token=local.emulator.bot_token, base_url=local.emulator.api_url).api_call(
        "chat.postMessage", json=parent.args
    )
    verdict = check(local.runtime.db, local.emulator, ledger)
    assert any("a duplicate" in p for p in verdict.problems), verdict.problems
    assert verdict.kinds["brief parents"].duplicated == 1


def test_an_acked_cause_without_its_effect_is_lost(local: LocalBot) -> None:
    ledger = filed(local)
    ledger.did("A brief nobody filed", "create")
    verdict = check(local.runtime.db, local.emulator, ledger)
    assert any("not in the database" in p for p in verdict.problems), verdict.problems
    assert verdict.kinds["briefs"].lost == 1


def test_an_undelivered_row_is_lost(local: LocalBot) -> None:
    ledger = filed(local)
    with local.runtime.db.transaction() as session:
        session.execute(update(OutboxMessage).values(status="failed", last_error="test"))
    verdict = check(local.runtime.db, local.emulator, ledger)
    assert any("is failed" in p for p in verdict.problems), verdict.problems
