"""/healthz and /readyz, asked over HTTP of the running bot (and of the Socket Mode side port)."""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app.config import PACKAGE_POLICY, Settings
from bot.app.local import LocalBot, local_bot
from bot.app.readiness import readiness_app
from bot.app.runtime import Runtime
from bot.app.serving import SidePort
from bot.core.clock import utcnow
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.storage.database import Database, migrate
from tests.support.policies import trained, use_policy, with_untrained_compliance_model

# Nothing listens on port 9 (discard) here: connecting is refused at once.
DOWN_DATABASE = "postgresql+psycopg://mopsbot:s3cret@127.0.0.1:9/nowhere"


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def ready(base_url: str) -> tuple[int, dict[str, Any]]:
    status, body = get(f"{base_url}/readyz")
    return status, json.loads(body)


@pytest.fixture
def idle(db: Database) -> Iterator[LocalBot]:
    """The bot without its background workers: an outbox row stays as the test wrote it."""
    with local_bot(Settings(database_url=db.url), background=False, migrate_first=False) as bot:
        yield bot


def side_port_ready(runtime: Runtime) -> tuple[int, dict[str, Any]]:
    """/readyz of `runtime` asked on the Socket Mode side port (no push there)."""
    side = SidePort(None, "127.0.0.1", 0, ready=readiness_app(runtime)).start()
    try:
        return ready(side.base_url)
    finally:
        side.stop()


def test_healthz_and_readyz_answer_beside_slack_events(local: LocalBot) -> None:
    base = local.server.base_url
    assert get(f"{base}/healthz") == (200, b"ok")
    trained(local)
    status, body = ready(base)
    assert status == 200, body
    assert body["ready"] is True and body["failed"] == []
    checks = {c["name"]: c for c in body["checks"]}
    assert set(checks) == {
        "database",
        "migrations",
        "outbox",
        "policy",
        "intake_model",
        "compliance_model",
    }
    assert all(c["ok"] for c in checks.values())
    assert checks["intake_model"]["detail"] == "no intake model is configured"
    assert checks["compliance_model"]["detail"] == "the compliance model is loaded"


def test_readyz_is_503_until_the_compliance_model_of_new_examples_is_trained(
    local: LocalBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New examples (a policy change, or a first start) mean a model to train: until it is in
    memory, a brief submitted to this instance would wait for it."""
    with_untrained_compliance_model(local, tmp_path, monkeypatch)

    status, body = ready(local.server.base_url)
    assert status == 503
    assert body["failed"] == ["compliance_model: the compliance model is still loading"]

    trained(local)
    status, body = ready(local.server.base_url)
    assert status == 200, body


def test_an_outbox_message_stuck_longer_than_the_bound_makes_readyz_503(idle: LocalBot) -> None:
    db = idle.runtime.db
    with db.transaction() as session:
        stuck = OutboxMessage(
            method="chat.postMessage",
            payload={"channel": "C1", "text": "hi"},
            created_at=utcnow() - timedelta(minutes=10),
        )
        session.add(stuck)
    status, body = ready(idle.server.base_url)
    assert status == 503
    assert body["ready"] is False
    assert body["failed"] == [
        "outbox: the longest-waiting message has waited 10 minutes, more than the 5 minutes allowed"
    ]

    with db.transaction() as session:
        session.get_one(OutboxMessage, stuck.id).status = OutboxStatus.DELIVERED
    assert ready(idle.server.base_url)[0] == 200


def test_a_message_held_for_quiet_hours_counts_from_when_it_is_due(idle: LocalBot) -> None:
    with idle.runtime.db.transaction() as session:
        session.add(
            OutboxMessage(
                method="chat.postMessage",
                payload={"channel": "C1", "text": "good morning"},
                created_at=utcnow() - timedelta(hours=9),
                not_before=utcnow() - timedelta(seconds=30),
            )
        )
    status, body = ready(idle.server.base_url)
    assert status == 200, body


def test_a_database_that_is_down_makes_readyz_503_on_the_side_port(local: LocalBot) -> None:
    down = replace(local.runtime, db=Database(DOWN_DATABASE))
    try:
        status, body = side_port_ready(down)
    finally:
        down.db.dispose()
    assert status == 503
    assert body["failed"] == ["database: the database can't be reached"]
    text = json.dumps(body)
    assert "s3cret" not in text and "127.0.0.1" not in text and "Traceback" not in text


def test_a_database_behind_on_migrations_makes_readyz_503(local: LocalBot, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0001")
    behind = replace(local.runtime, db=Database(url))
    try:
        status, body = side_port_ready(behind)
    finally:
        behind.db.dispose()
    assert status == 503
    [failed] = body["failed"]
    assert failed.startswith("migrations: the database is at migration 0001, this version needs ")
    assert failed.endswith("run `mopsbot migrate`")


def test_mops_health_shows_the_readiness_facts_to_ops_admins(local: LocalBot) -> None:
    report = local.slack.command("/mops health", as_user="omar").ephemeral
    assert report is not None
    assert "all good" in report.text
    assert "*Ready for Slack's traffic*" in report.text
    assert "• The database answers" in report.text
    assert "• No intake model is configured" in report.text
    assert "in force" in report.text


def test_mops_health_says_when_intake_yaml_was_saved_with_a_mistake(
    local: LocalBot, tmp_path: Path
) -> None:
    for name in ("intake.yaml", "intake_examples.yaml"):
        shutil.copy(PACKAGE_POLICY.parent / name, tmp_path / name)
    taxonomy = tmp_path / "intake.yaml"
    use_policy(local, tmp_path, lambda data: data["intake"].update(taxonomy_file=str(taxonomy)))
    local.runtime.intake_routes()  # the bot has read it, as its first intake message does
    before = local.slack.command("/mops health", as_user="omar").ephemeral
    assert before is not None and "intake.yaml" not in before.text
    taxonomy.write_text(taxonomy.read_text().replace("labels:", "labels: [oops", 1))
    os.utime(taxonomy, (2_000_000_000, 2_000_000_000))  # saved later than the copy
    report = local.slack.command("/mops health", as_user="omar").ephemeral
    assert report is not None
    assert "*Ready for Slack's traffic*" in report.text
    assert "• The intake taxonomy (intake.yaml) was saved with a mistake (" in report.text
    assert "intake uses the version read before it until the file is fixed" in report.text
    assert str(tmp_path) not in report.text  # the file's name, never its path on the server
    assert local.runtime.intake_routes().title_of("utm_links") == "UTM links"


def test_a_reply_saved_with_a_regulated_claim_is_not_sent_and_health_says_why(
    local: LocalBot, tmp_path: Path
) -> None:
    """A saved reply goes out with nobody reviewing it: one edited into intake.yaml while the
    bot runs passes the same lint as at the policy's load, or the reply before it stays."""
    for name in ("intake.yaml", "intake_examples.yaml"):
        shutil.copy(PACKAGE_POLICY.parent / name, tmp_path / name)
    taxonomy = tmp_path / "intake.yaml"
    use_policy(local, tmp_path, lambda data: data["intake"].update(taxonomy_file=str(taxonomy)))
    shipped = local.runtime.intake_routes().labels["brand_assets"].reply
    assert shipped is not None
    promise = "Guaranteed returns of 12% a year, risk-free, on every brand kit."
    edited = taxonomy.read_text().replace(
        "Logos (PNG, SVG and EPS, for light and dark backgrounds)", promise, 1
    )
    assert promise in edited
    taxonomy.write_text(edited)
    os.utime(taxonomy, (2_000_000_000, 2_000_000_000))
    reply = local.runtime.intake_routes().labels["brand_assets"].reply
    assert reply is not None and reply.text == shipped.text
    report = local.slack.command("/mops health", as_user="omar").ephemeral
    assert report is not None
    assert "labels.brand_assets.reply.text: the compliance rules flag it" in report.text
    assert str(tmp_path) not in report.text  # the file's name, never its path on the server
