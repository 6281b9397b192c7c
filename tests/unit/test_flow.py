"""Flow metrics on a known history."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.app.config import PACKAGE_POLICY
from bot.audit import service as audit
from bot.briefs.models import Brief
from bot.flow import moves
from bot.flow import service as flow
from bot.flow.metrics import format_stats
from bot.storage.database import Database
from policies.loader import load_policy

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)  # a Monday


def brief(session, brief_id: int, state: str, stage_index: int | None, entered: datetime) -> None:  # type: ignore[no-untyped-def]
    session.add(
        Brief(
            id=brief_id,
            title=f"b{brief_id}",
            fields={},
            requester_id="U01RITA",
            channel_id="C01MKTG",
            state=state,
            stages=["brand", "legal"],
            stage_index=stage_index,
            round=1,
            template_version="1",
            policy_version="p",
            created_at=T0,
            updated_at=T0,
            stage_entered_at=entered,
            version=1,
        )
    )


def event(
    session,
    brief_id: int,
    action: str,
    to_state: str,
    stage: str | None,
    hours: float,
    round_: int = 1,
) -> None:  # type: ignore[no-untyped-def]
    audit.record(
        session,
        brief_id=brief_id,
        actor_id="U02BRAM",
        action=action,
        to_state=to_state,
        stage=stage,
        round=round_,
        policy_version="p",
        at=T0 + timedelta(hours=hours),
    )


def test_known_history(db: Database) -> None:
    policy = load_policy(PACKAGE_POLICY)
    with db.transaction() as s:
        brief(s, 1, "approved", None, T0)
        brief(s, 2, "approved", None, T0)
        brief(s, 3, "in_review", 0, T0 + timedelta(hours=1))
        s.flush()
        # brief 1: brand 2 h, legal 4 h, approved at 6 h
        event(s, 1, "submit", "in_review", "brand", 0)
        event(s, 1, "approve", "in_review", "brand", 2)
        event(s, 1, "approve", "approved", "legal", 6)
        # brief 2: brand 10 h, changes requested, round 2: brand 1 h, legal 3 h -> approved at 30 h
        event(s, 2, "submit", "in_review", "brand", 0)
        event(s, 2, "request_changes", "changes_requested", "brand", 10)
        event(s, 2, "resubmit", "in_review", "brand", 26, round_=2)
        event(s, 2, "approve", "in_review", "brand", 27, round_=2)
        event(s, 2, "approve", "approved", "legal", 30, round_=2)
        # brief 3: waiting at brand since hour 1
        event(s, 3, "submit", "in_review", "brand", 1)
    with db.transaction() as s:
        m = flow.compute(s, policy, since=T0 - timedelta(days=1), now=T0 + timedelta(hours=49))
    brand, legal = m.stages["brand"], m.stages["legal"]
    assert brand.cycle.count == 3
    assert brand.cycle.p50 == pytest.approx(2.0)  # 1, 2, 10
    assert brand.cycle.max == pytest.approx(10.0)
    assert legal.cycle.p50 == pytest.approx(3.5)  # 3, 4
    assert m.end_to_end.count == 2 and m.end_to_end.max == pytest.approx(30.0)
    assert m.end_to_end.p90 == pytest.approx(6 + 0.9 * 24)
    assert m.throughput == {"2026-W44": 0, "2026-W45": 2}  # every week of the window, even empty
    assert (m.briefs_submitted, m.briefs_reworked) == (3, 1)
    assert m.mean_rounds == pytest.approx(4 / 3)
    assert (brand.wip, brand.wip_limit) == (1, 8) and (legal.wip, legal.wip_limit) == (0, 5)
    assert brand.oldest_age == pytest.approx(48.0)
    assert brand.arrivals - brand.departures == 1  # 4 arrivals, 3 departures
    assert m.bottleneck == "brand"
    with db.transaction() as s:
        lines = flow.stats_lines(
            s, policy, since=T0 - timedelta(days=1), now=T0 + timedelta(hours=49)
        )
    assert lines[0] == "*Flow over the last 3 days* (since 1 Nov 2026)"
    assert "• Brand: p50 2.0 h · p90 8.4 h · max 10.0 h (n=3)" in lines
    assert any(line.startswith("*Rework*: 33% of 3 briefs submitted had") for line in lines)
    one = dataclasses.replace(m, briefs_submitted=1, briefs_reworked=0)
    assert any(
        line.startswith("*Rework*: 0% of 1 brief submitted had") for line in format_stats(one)
    )
    assert lines[-1].startswith("*Bottleneck*: Brand: 1 waiting, the oldest for 48 hours")


def test_only_rows_of_relevant_briefs_are_read(db: Database) -> None:
    """A brief whose whole life ended before the window is never read; a stay that began before
    the window and ended in it, or still waits, is counted with its real start."""
    policy = load_policy(PACKAGE_POLICY)
    with db.transaction() as s:
        brief(s, 1, "approved", None, T0)
        brief(s, 2, "approved", None, T0)
        brief(s, 3, "in_review", 1, T0)
        s.flush()
        event(s, 1, "submit", "in_review", "brand", -300)  # long before the window
        event(s, 1, "approve", "in_review", "brand", -299)
        event(s, 1, "approve", "approved", "legal", -298)
        event(s, 2, "submit", "in_review", "brand", -30)  # began before, ended inside
        event(s, 2, "approve", "in_review", "brand", 2)
        event(s, 2, "approve", "approved", "legal", 3)
        event(s, 3, "submit", "in_review", "brand", -50)  # quiet in the window, still waiting
        event(s, 3, "approve", "in_review", "brand", -40)
    since, now = T0, T0 + timedelta(hours=10)
    with db.transaction() as s:
        rows = moves.rows(s, since, now)
        binary = moves.read(s, since, now, ["brand"])  # legal: found by id on PostgreSQL
        m = flow.compute(s, policy, since=since, now=now)
    assert sorted({row[0] for row in rows}) == [2, 3]
    assert sorted(set(binary.brief_id.tolist())) == [2, 3]  # the same rows on either path
    assert sorted(binary.at.tolist()) == pytest.approx(sorted(row[5] for row in rows))
    assert m.stages["brand"].cycle.samples.tolist() == pytest.approx([32.0])
    assert m.end_to_end.max == pytest.approx(33.0)
    assert (m.stages["legal"].wip, m.stages["legal"].oldest_age) == (1, pytest.approx(50.0))


def test_a_gate_stage_is_named_from_the_briefs_own_list(db: Database) -> None:
    policy = load_policy(PACKAGE_POLICY)
    with db.transaction() as s:
        brief(s, 1, "in_review", 2, T0)
        s.flush()
        s.get(Brief, 1).stages = ["brand", "legal", "medical"]
        event(s, 1, "submit", "in_review", "brand", 0)
        event(s, 1, "approve", "in_review", "brand", 1)
        event(s, 1, "approve", "in_review", "legal", 2)
    with db.transaction() as s:
        m = flow.compute(s, policy, since=T0, now=T0 + timedelta(hours=5))
    assert (m.stages["medical"].wip, m.stages["legal"].wip) == (1, 0)
    assert m.bottleneck == "medical"


def test_empty_history(db: Database) -> None:
    policy = load_policy(PACKAGE_POLICY)
    with db.transaction() as s:
        m = flow.compute(s, policy, since=T0, now=T0)
    assert m.bottleneck is None and m.end_to_end.count == 0 and m.rework_rate == 0


def test_a_stage_the_policy_no_longer_names_is_still_counted(db: Database) -> None:
    """On PostgreSQL its rows are looked up by id after the packed read; same figures."""
    policy = load_policy(PACKAGE_POLICY)
    with db.transaction() as s:
        brief(s, 1, "approved", None, T0)
        s.flush()
        event(s, 1, "submit", "in_review", "print", 0)
        event(s, 1, "approve", "approved", "print", 3)
    with db.transaction() as s:
        m = flow.compute(s, policy, since=T0 - timedelta(days=1), now=T0 + timedelta(hours=5))
    assert m.stages["print"].cycle.samples.tolist() == pytest.approx([3.0])
    assert m.end_to_end.count == 1
