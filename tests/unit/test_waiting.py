"""Digest figures counted in the database agree with each brief's own SLA status."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.app.config import PACKAGE_POLICY
from bot.briefs.models import Brief
from bot.digests import service as digest
from bot.digests import waiting
from bot.sla.calendar import calendar_for, stage_sla_hours
from bot.storage.database import Database
from policies.loader import load_policy
from policies.sla import sla_status

NOW = datetime(2026, 11, 10, 15, 30, tzinfo=UTC)  # Tuesday 10:30 in New York


def add(
    session,
    brief_id: int,
    state: str,
    index: int | None,
    entered: datetime,  # type: ignore[no-untyped-def]
    stages: tuple[str, ...] = ("brand", "legal"),
    requester: str = "U01RITA",
) -> None:
    session.add(
        Brief(
            id=brief_id,
            title=f"Brief <{brief_id}>",
            fields={},
            requester_id=requester,
            channel_id="C01MKTG",
            state=state,
            stages=list(stages),
            stage_index=index,
            round=1,
            template_version="1",
            policy_version="p",
            created_at=entered,
            updated_at=entered,
            stage_entered_at=entered,
            version=1,
        )
    )


def test_counts_and_the_oldest_match_brief_by_brief(db: Database) -> None:
    policy = load_policy(PACKAGE_POLICY)
    rng = random.Random(11)
    entered = {}
    with db.transaction() as s:
        for brief_id in range(1, 61):
            state, index = rng.choice(
                [("in_review", 0), ("in_review", 1), ("changes_requested", None)]
            )
            entered[brief_id] = NOW - timedelta(minutes=rng.randrange(9 * 24 * 60))
            add(s, brief_id, state, index, entered[brief_id])
        add(s, 61, "in_review", 2, NOW - timedelta(days=3), ("brand", "legal", "medical"))
        add(s, 62, "approved", None, NOW - timedelta(days=30))  # not open: never counted
    with db.transaction() as s:
        groups = waiting.groups(s, policy, NOW, limit=3)
        briefs = {b.id: b for b in s.query(Brief).filter(Brief.state != "approved")}
        calendar = calendar_for(policy)
        assert [(g.state, g.stage) for g in groups] == [
            ("in_review", "brand"),
            ("in_review", "legal"),
            ("in_review", "medical"),
            ("changes_requested", None),
        ]
        for group in groups:
            mine = [b for b in briefs.values() if (b.state, b.stage) == (group.state, group.stage)]
            assert group.count == len(mine)
            sla = stage_sla_hours(policy, group.stage) if group.state == "in_review" else None
            statuses = (
                [sla_status(b.stage_entered_at, sla, NOW, calendar) for b in mine] if sla else []
            )
            assert group.breached == sum(st.breached for st in statuses)
            assert group.due_soon == sum(
                not st.breached and st.due_at <= NOW + timedelta(hours=24) for st in statuses
            )
            oldest = sorted(mine, key=lambda b: (b.stage_entered_at, b.id))[:3]
            assert [item.brief.id for item in group.oldest] == [b.id for b in oldest]
        assert groups[0].breached > 0 and groups[1].due_soon + groups[0].due_soon > 0
        soon = waiting.due_soon(s, policy, NOW, limit=4)
        assert [item.due_at for item in soon] == sorted(item.due_at for item in soon)
        assert all(not item.breached and item.due_at <= NOW + timedelta(hours=24) for item in soon)


def test_digest_names_the_oldest_and_counts_the_rest(db: Database) -> None:
    policy = load_policy(PACKAGE_POLICY)
    with db.transaction() as s:
        for brief_id in range(1, 16):
            add(s, brief_id, "in_review", 0, NOW - timedelta(hours=brief_id))
        add(s, 16, "changes_requested", None, NOW - timedelta(hours=1), requester="U02BRAM")
    with db.transaction() as s:
        text = digest.channel_digest_text(s, policy, NOW)
        mine = digest.user_digest_text(s, policy, "U02BRAM", {"S01BRAND"}, NOW)
        theirs = digest.user_digest_text(s, policy, "U04LENA", {"S02LEGAL"}, NOW)
    assert text is not None and text.startswith("*Daily brief digest* (16 open)")
    assert "*Brand* (15)" in text and "_…and 5 more_" in text
    assert "#15 Brief &lt;15&gt;" in text and "#5 Brief" not in text  # the ten oldest, escaped
    assert "*Waiting for changes* (1)" in text
    assert mine is not None and mine.startswith("*Waiting on you* (16)")  # 15 to review, 1 to fix
    assert "_…and 6 more_" in mine
    assert theirs is None
