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
