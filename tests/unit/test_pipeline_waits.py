"""Waiting on assets and checklist ticks: read off audit rows, counted in business hours, and
weighed against the review stages for the bottleneck."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.flow.metrics import Transition, flow_metrics
from bot.pipeline.figures import held
from bot.pipeline.waits import ASSET, CHECKLIST, _asset_waits, _checklist_waits, _stays
from policies.checklists import Checklists
from policies.sla import BusinessCalendar

NY = ZoneInfo("America/New_York")
CALENDAR = BusinessCalendar(
    timezone="America/New_York",
    start=time(9, 0),
    end=time(17, 30),
    weekdays=frozenset(range(5)),
    holiday_country="US",
)
TUESDAY = datetime(2027, 2, 2, 9, 0, tzinfo=NY)


def at(hours: float) -> datetime:
    return TUESDAY + timedelta(hours=hours)


def event(action: str, hours: float, **fields: Any) -> AuditEvent:
    return AuditEvent(brief_id=1, actor_id="U01RITA", action=action, at=at(hours), **fields)


def brief() -> Brief:
    return Brief(id=1, requester_id="U01RITA", stages=["brand", "legal"], title="Spring")


def checked(hours: float, problems: list[str], asset: int = 7) -> AuditEvent:
    detail = {"asset": asset, "posted_by": "U01RITA", "problems": problems}
    return event("asset_checked", hours, detail=detail)


def test_an_asset_waits_from_the_check_that_found_a_problem_to_the_clean_one() -> None:
    events = [
        checked(1, ["alt_text"]),
        checked(2, ["alt_text", "size"]),  # still open: the wait began at the first finding
        checked(3, []),
        checked(4, ["utm"], asset=8),  # another asset, never fixed: ended by the launch
        event("go_live", 30),
    ]
    found = _asset_waits(brief(), events, {7: "hero.png"})
    assert [(w.kind, w.what, w.since, w.until, w.who) for w in found] == [
        (ASSET, "hero.png", at(1), at(3), "U01RITA"),
        (ASSET, "an attachment", at(4), at(30), "U01RITA"),  # its row is gone
    ]
    still = _asset_waits(brief(), events[:4])
    assert still[-1].until is None and still[-1].detail == "utm"


def test_an_asset_whose_message_was_deleted_waits_no_more() -> None:
    events = [
        checked(1, ["alt_text"]),
        event("asset_removed", 2, detail={"asset": 7}),
        checked(3, ["utm"], asset=8),
        event("asset_removed", 4, detail={"asset": 9}),  # one that never waited
    ]
    found = _asset_waits(brief(), events)
    assert [(w.since, w.until) for w in found] == [(at(1), at(2)), (at(3), None)]


def test_a_required_tick_waits_from_its_stage_entry_per_round() -> None:
    template = Checklists.model_validate(
        {
            "version": 1,
            "stages": {
                "legal": {
                    "exit": [
                        {"id": "disclaimer", "label": "Disclaimer", "owner": "@legal-team"},
                        {
                            "id": "extra",
                            "label": "Extra",
                            "owner": "@legal-team",
                            "required": False,
                        },
                    ]
                }
            },
        }
    )
    round_ = {"round": 1}
    events = [
        event("submit", 0, stage="brand", **round_),
        event("approve", 1, stage="brand", to_state="in_review", **round_),
        event("request_changes", 3, stage="legal", **round_),  # left unticked after 2 hours
        event("resubmit", 4, stage="brand", round=2),
        event("approve", 5, stage="brand", to_state="in_review", round=2),
        event("checklist_tick", 7.5, stage="legal", round=2, detail={"item": "disclaimer"}),
        event("approve", 8, stage="legal", to_state="approved", round=2),
    ]
    assert [(s.stage, s.entered, s.left) for s in _stays(brief(), events)] == [
        ("brand", at(0), at(1)),
        ("legal", at(1), at(3)),
        ("brand", at(4), at(5)),
        ("legal", at(5), at(8)),
        ("launch", at(8), None),
    ]
    found = _checklist_waits(brief(), events, template)
    assert [(w.kind, w.what, w.who, w.since, w.until) for w in found] == [
        (CHECKLIST, "Disclaimer", "@legal-team", at(1), at(3)),
        (CHECKLIST, "Disclaimer", "@legal-team", at(5), at(7.5)),
    ]


def test_overlapping_waits_count_once_and_nights_and_weekends_not_at_all() -> None:
    friday = datetime(2027, 2, 5, 16, 30, tzinfo=NY)
    waits = _asset_waits(
        brief(),
        [
            checked(1, ["alt_text"], asset=1),  # Tue 10:00-12:00
            checked(2, ["utm"], asset=2),  # Tue 11:00-13:00: one hour overlaps
            checked(3, [], asset=1),
            checked(4, [], asset=2),
        ],
    )
    assert held(CALENDAR, waits, 1, at(10)) == 3.0
    late = _asset_waits(
        brief(),
        [
            AuditEvent(
                brief_id=1,
                actor_id="U01RITA",
                action="asset_checked",
                at=friday,
                detail={"asset": 1, "posted_by": "U01RITA", "problems": ["size"]},
            ),
            AuditEvent(
                brief_id=1,
                actor_id="U01RITA",
                action="asset_checked",
                at=friday + timedelta(days=3, hours=-6),  # Monday 10:30
                detail={"asset": 1, "posted_by": "U01RITA", "problems": []},
            ),
        ],
    )
    assert held(CALENDAR, late, 1, friday + timedelta(days=4)) == 1.0 + 1.5


def test_a_long_asset_wait_is_the_bottleneck_over_a_young_review_stage() -> None:
    now = at(10)
    review = [Transition(1, "submit", "draft", "in_review", "brand", at(9))]
    waits = {
        "Asset fixes": (np.array([at(0).timestamp()]), np.array([np.inf])),
        "Checklist ticks": (
            np.array([at(0).timestamp()]),
            np.array([at(2).timestamp()]),  # ended: a cycle time, not waiting
        ),
    }
    metrics = flow_metrics(
        review, now, at(-24), {"brand": None}, stage_order=["brand"], waits=waits
    )
    assert metrics.bottleneck == "Asset fixes"
    assert metrics.stages["Asset fixes"].wip == 1
    assert metrics.stages["Asset fixes"].oldest_age == 10.0
    assert metrics.stages["Checklist ticks"].wip == 0
    assert metrics.stages["Checklist ticks"].cycle.p50 == 2.0
    assert metrics.stages["brand"].wip == 1
    without = flow_metrics(review, now, at(-24), {"brand": None}, stage_order=["brand"])
    assert without.bottleneck == "brand" and "Asset fixes" not in without.stages
