"""Where to automate next and the team's goals: the scoring rules, the figures read from intake
requests and the audit trail, and the policy's checks on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.app.config import PACKAGE_POLICY
from bot.audit import service as audit
from bot.insights import service
from bot.insights.goals import GoalProgress, sparkline
from bot.insights.messages import scorecard_lines
from bot.insights.scorecard import Recommendation, WorkStats, score
from bot.intake.models import IntakeRequest
from bot.storage.database import Database
from policies.insights import Goal, Scorecard
from policies.loader import load_policy
from tests.support.history import seed_brief

POLICY = load_policy(PACKAGE_POLICY)
T0 = datetime(2026, 11, 2, 14, tzinfo=UTC)  # Monday 09:00 in New York
CARD = Scorecard()  # automate: >= 5 a week, <= 10% variable, no risk; assist: >= 1, <= 35%, <= 25%


def test_recommendations_follow_the_thresholds_with_their_reason() -> None:
    rows = score(
        [
            WorkStats("request", "asset_resize", 48, 2, 0, 40.0),  # 6 a week, 4% unsure
            WorkStats("request", "press_release", 40, 4, 8, 80.0),  # 20% regulated
            WorkStats("request", "event_support", 4, 0, 0, 30.0),  # 0.5 a week
            WorkStats("stage", "legal", 40, 20, 2, 100.0),  # half sent back
            WorkStats("request", "nothing", 0, 0, 0, 0.0),
        ],
        weeks=8,
        policy=CARD,
    )
    by_name = {row.stats.name: row for row in rows}
    assert "nothing" not in by_name
    assert by_name["asset_resize"].recommendation == Recommendation.AUTOMATE
    assert "6.0 a week" in by_name["asset_resize"].reason
    assert by_name["press_release"].recommendation == Recommendation.ASSIST
    assert by_name["press_release"].reason.startswith("regulated content in 20%")
    assert by_name["event_support"].recommendation == Recommendation.KEEP_MANUAL
    assert by_name["event_support"].reason == "only 0.5 a week"
    assert by_name["legal"].recommendation == Recommendation.KEEP_MANUAL
    assert by_name["legal"].reason == "50% sent back"
    assert [row.stats.name for row in rows][0] == "legal"  # most hours a week first


def test_goal_verdicts() -> None:
    below = Goal(name="Rework", metric="rework_rate", below=0.1)
    assert GoalProgress(below, 0.07, None, []).met is True
    assert GoalProgress(below, 0.12, None, []).met is False
    assert GoalProgress(below, None, None, []).met is None
    faster = Goal(
        name="Faster",
        metric="approval_p50_hours",
        change=-0.2,
        baseline={"since": "2026-09-01", "until": "2026-09-30"},  # type: ignore[arg-type]
    )
    assert GoalProgress(faster, 7.9, 10.0, []).met is True  # 21% down
    assert GoalProgress(faster, 8.5, 10.0, []).met is False
    assert GoalProgress(faster, 8.5, None, []).met is None  # no baseline figure
    streak = Goal(name="On time", metric="on_time_launches", at_least=4)
    assert GoalProgress(streak, 4, None, []).met is True


def test_sparkline() -> None:
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([None, 2.0, 2.0]) == " ▁▁"
    assert sparkline([None]) == ""


@pytest.mark.parametrize(
    ("goal", "message"),
    [
        ({"name": "x", "metric": "rework_rate"}, "exactly one of"),
        ({"name": "x", "metric": "rework_rate", "below": 0.1, "at_least": 0.2}, "exactly one of"),
        ({"name": "x", "metric": "approval_p50_hours", "change": -0.2}, "baseline"),
        ({"name": "x", "metric": "on_time_launches", "below": 3}, "at_least"),
        ({"name": "x", "metric": "cheer", "below": 3}, "rework_rate"),
    ],
)
def test_the_policy_refuses_goals_that_cannot_be_judged(goal: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Goal.model_validate(goal)


def test_the_policy_refuses_an_automate_looser_than_assist() -> None:
    with pytest.raises(ValidationError, match="automate must"):
        Scorecard.model_validate(
            {"assist": {"min_per_week": 10, "max_variability": 0.3, "max_risk": 0.1}}
        )


def _request(session, label: str, hours: float, **fields: object) -> None:  # type: ignore[no-untyped-def]
    received = T0 + timedelta(hours=hours)
    session.add(
        IntakeRequest(
            channel_id="C02INTAKE",
            ts=f"{received.timestamp():.6f}",
            user_id="U01RITA",
            text="please",
            label=label,
            received_at=received,
            **fields,
        )
    )


def test_request_and_stage_figures_from_the_database(db: Database) -> None:
    with db.transaction() as session:
        _request(session, "asset_resize", 0, reason="confident", done_at=T0 + timedelta(hours=2))
        _request(session, "asset_resize", 1, reason="low_confidence")
        _request(session, "asset_resize", 2, reason="confident", corrected=True)
        _request(session, "press_release", 3, reason="regulated", regulated=["financial"])
        seed_brief(
            session,
            1,
            "approved",
            T0,
            [
                ("submit", "in_review", "brand", "U01RITA", 0),
                ("request_changes", "changes_requested", "brand", "U02BRAM", 2),
                ("resubmit", "in_review", "brand", "U01RITA", 3),
                ("approve", "in_review", "brand", "U02BRAM", 4),
                ("approve", "approved", "legal", "U03LENA", 5),
            ],
        )
        audit.record(
            session,
            brief_id=1,
            actor_id="U01RITA",
            action="compliance_gate",
            to_state="in_review",
            round=1,
            policy_version="p",
            at=T0,
            detail={"categories": ["financial"]},
        )
    now = T0 + timedelta(days=2)
    with db.read() as session:
        requests = {
            s.name: s
            for s in service.request_stats(session, POLICY, since=T0 - timedelta(days=1), now=now)
        }
        stages = {
            s.name: s
            for s in service.stage_stats(session, POLICY, since=T0 - timedelta(days=1), now=now)
        }
    resize = requests["asset_resize"]
    assert (resize.items, resize.variable, resize.regulated) == (3, 2, 0)
    assert resize.hours == pytest.approx(2.0)  # 09:00 to 11:00 on a Monday
    assert requests["press_release"].regulated == 1
    brand, legal = stages["brand"], stages["legal"]
    assert (brand.items, brand.variable, brand.regulated) == (2, 1, 2)  # two stays, one sent back
    assert brand.hours == pytest.approx(3.0)  # 2 h, then 1 h in round 2
    assert (legal.items, legal.variable, legal.hours) == (1, 0, pytest.approx(1.0))


def _launch(session, brief_id: int, launch_date: str, live_at: datetime) -> None:  # type: ignore[no-untyped-def]
    seed_brief(session, brief_id, "live", live_at, [("go_live", "live", "", "U01RITA", 0)])
    from bot.briefs.models import Brief

    brief = session.get(Brief, brief_id)
    brief.fields = {"launch_date": launch_date}


def test_on_time_launches_in_a_row(db: Database) -> None:
    with db.transaction() as session:
        _launch(session, 1, "2026-11-03", datetime(2026, 11, 4, 15, tzinfo=UTC))  # a day late
        _launch(session, 2, "2026-11-10", datetime(2026, 11, 10, 15, tzinfo=UTC))
        _launch(session, 3, "2026-11-17", datetime(2026, 11, 16, 15, tzinfo=UTC))
        # 22:00 in New York on the launch date is 03:00 UTC the next day: still on time there.
        _launch(session, 4, "2026-11-24", datetime(2026, 11, 25, 3, tzinfo=UTC))
    with db.read() as session:
        assert service.on_time_streak(session, POLICY, datetime(2026, 12, 1, tzinfo=UTC)) == 3
        assert service.on_time_streak(session, POLICY, datetime(2026, 11, 5, tzinfo=UTC)) == 0
        assert service.on_time_streak(session, POLICY, datetime(2026, 11, 1, tzinfo=UTC)) is None


def test_goal_progress_reads_the_rework_rate(db: Database) -> None:
    with db.transaction() as session:
        for number, sent_back in [(1, True), (2, False), (3, False), (4, False)]:
            events = [("submit", "in_review", "brand", "U01RITA", 0.0)]
            if sent_back:
                events.append(("request_changes", "changes_requested", "brand", "U02BRAM", 1.0))
            seed_brief(session, number, "in_review", T0 + timedelta(days=number), events)
    with db.read() as session:
        progress = service.goal_progress(session, POLICY, now=T0 + timedelta(days=10))
    rework = next(p for p in progress if p.goal.metric == "rework_rate")
    assert rework.value == pytest.approx(0.25) and rework.met is False
    assert len(rework.trend) == 8 and rework.trend[-1] == pytest.approx(0.25)
    assert rework.trend[0] is None  # eight weeks ago nothing had been submitted


def test_scorecard_lines_name_what_is_counted_and_a_sliver_of_hours() -> None:
    rows = score(
        [
            WorkStats("stage", "brand", 2, 1, 2, 0.3),  # a brief through brand in 8 weeks
            WorkStats("request", "utm_links", 16, 0, 0, 16.0),
        ],
        weeks=8,
        policy=CARD,
    )
    text = "\n".join(scorecard_lines(rows, {"brand": "Brand", "utm_links": "UTM links"}, 8))
    assert "*Brand* (review stage): 0.2 reviews a week, under 0.1 business hours a week" in text
    assert "*UTM links* (requests): 2.0 requests a week, 2.0 business hours a week" in text
    assert "0.0 business" not in text
