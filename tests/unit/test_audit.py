"""The audit trail: append-only, exported for a date range as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from bot.audit import service as audit
from bot.audit.models import AuditEvent
from bot.cli.main import main
from bot.storage.database import Database


def seed(db: Database) -> None:
    with db.transaction() as session:
        for day, action in ((1, "create"), (2, "approve"), (5, "reject")):
            audit.record(
                session,
                actor_id="U02BRAM",
                action=action,
                policy_version="abc123",
                at=datetime(2026, 11, day, 15, tzinfo=UTC),
                reason='Too <b>loud</b>, "really"',
            )


def test_audit_rows_cannot_be_updated(db: Database) -> None:
    seed(db)
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
        session.execute(update(AuditEvent).values(action="forged"))


def record_words(db: Database) -> None:
    with db.transaction() as session:
        for action, reason, detail in (
            ("task_blocked", "Waiting on the KESTREL footer", {"task_id": 7}),
            ("asset_attached", None, {"name": "kestrel-hero.png"}),
            ("reject", "Too loud", None),
        ):
            audit.record(
                session,
                actor_id="U05SAM",
                action=action,
                policy_version="abc123",
                at=datetime(2026, 11, 3, tzinfo=UTC),
                reason=reason,
                detail=detail,
            )


@pytest.mark.parametrize(
    "change",
    [
        {"reason": None},  # a decision's reason is the team's record
        {"actor_id": "U01RITA"},
        {"action": "forged"},
        {"at": datetime(2026, 1, 1, tzinfo=UTC)},
        {"stage": "legal"},
    ],
)
def test_facts_and_decision_reasons_never_change(db: Database, change: dict) -> None:
    record_words(db)
    for action in ("task_blocked", "asset_attached", "reject"):
        if change == {"reason": None} and action != "reject":
            continue
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
            session.execute(update(AuditEvent).where(AuditEvent.action == action).values(change))


def test_the_words_people_typed_may_be_removed_from_the_trail(db: Database) -> None:
    """bot.privacy removes a Blocked reason and an asset's name; the event stays."""
    record_words(db)
    with db.transaction() as session:
        blocked = update(AuditEvent).where(AuditEvent.action == "task_blocked")
        session.execute(blocked.values(reason=None))
        attached = update(AuditEvent).where(AuditEvent.action == "asset_attached")
        session.execute(attached.values(detail={"name": "(removed)"}))
    with db.read() as session:
        rows = session.query(AuditEvent).order_by(AuditEvent.id).all()
        assert [(e.action, e.actor_id, e.reason, e.detail) for e in rows] == [
            ("task_blocked", "U05SAM", None, {"task_id": 7}),
            ("asset_attached", "U05SAM", None, {"name": "(removed)"}),
            ("reject", "U05SAM", "Too loud", None),
        ]
    # but a Blocked reason can't be rewritten, only removed, and its task id stays
    for change in ({"reason": "Something else"}, {"detail": {"task_id": 8}}):
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
            session.execute(
                update(AuditEvent).where(AuditEvent.action == "task_blocked").values(change)
            )


def test_export_json_and_csv_for_a_range(db: Database, monkeypatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    seed(db)
    monkeypatch.setenv("DATABASE_URL", db.url)
    out = tmp_path / "audit.json"
    assert (
        main(
            [
                "audit",
                "export",
                "--format",
                "json",
                "--since",
                "2026-11-02",
                "--until",
                "2026-11-04",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = json.loads(out.read_text())
    assert [row["action"] for row in rows] == ["approve"]
    assert rows[0]["policy_version"] == "abc123"
    assert main(["audit", "export", "--format", "csv"]) == 0
    parsed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["action"] for row in parsed] == ["create", "approve", "reject"]
    assert parsed[0]["reason"] == 'Too <b>loud</b>, "really"'


def test_export_rejects_a_backwards_range(db: Database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", db.url)
    assert main(["audit", "export", "--since", "2026-11-05", "--until", "2026-11-01"]) == 2
