"""Flow metrics on a hand-made history whose every figure is worked out in the comments."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import matplotlib.image as mpimg
import numpy as np
import pytest

from bot.flow.charts import cycle_time_chart_png
from bot.flow.metrics import (
    Transition,
    TransitionColumns,
    flow_metrics,
    format_stats,
    week_name,
)
from policies.sla import BusinessCalendar

W = datetime(2026, 11, 2, 9, tzinfo=UTC)  # window start: Monday of ISO week 2026-W45
NOW = W + timedelta(hours=200)  # Tuesday 2026-11-10 17:00 UTC, ISO week 46
LIMITS = {"brand": 2, "legal": 1}
ORDER = ("brand", "legal")
FROM = {
    "submit": "draft",
    "resubmit": "changes_requested",
    "reopen": "rejected",
    "approve": "in_review",
    "request_changes": "in_review",
    "reject": "in_review",
}
TO = {
    "submit": "in_review",
    "resubmit": "in_review",
    "request_changes": "changes_requested",
    "reject": "rejected",
    "reopen": "draft",
    "create": "draft",
}


def step(
    brief_id: int,
    action: str,
    stage: str | None,
    hours: float,
    *,
    last: bool = False,
    from_state: str | None = None,
    to_state: str | None = None,
) -> Transition:
    """One audit row `hours` after the window start; `last` marks a brief's final approval."""
    if action == "approve":
        to_state = to_state or ("approved" if last else "in_review")
    return Transition(
        brief_id,
        action,
        from_state or FROM.get(action),
        to_state or TO.get(action),
        stage,
        W + timedelta(hours=hours),
    )


HISTORY = [
    # 1: submitted before the window; brand -10..2 (12 h), legal 2..6 (4 h); end to end 16 h
    step(1, "submit", "brand", -10),
    step(1, "approve", "brand", 2),
    step(1, "approve", "legal", 6, last=True),
    # 2: brand 0..10 (10 h), changes; round 2: brand 26..27 (1 h), legal 27..30 (3 h); e2e 30 h
    step(2, "submit", "brand", 0),
    step(2, "request_changes", "brand", 10),
    step(2, "resubmit", "brand", 26),
    step(2, "approve", "brand", 27),
    step(2, "approve", "legal", 30, last=True),
    # 3: waits at brand since hour 1 (age 199 h now)
    step(3, "submit", "brand", 1),
    # 4: waiting at brand when the window opens (age 20), brand -20..150 (170 h), legal since 150
    step(4, "submit", "brand", -20),
    step(4, "approve", "brand", 150),
    # 5: brand 40..41, 50..52, 60..70 then rejected; reopened, resubmitted as new: brand 90..95,
    #    legal 95..175, approved in week 46. End to end from the last submit: 175 - 90 = 85 h.
    step(5, "submit", "brand", 40),
    step(5, "request_changes", "brand", 41),
    step(5, "resubmit", "brand", 50),
    step(5, "request_changes", "brand", 52),
    step(5, "resubmit", "brand", 60),
    step(5, "reject", "brand", 70),
    step(5, "reopen", None, 80),
    step(5, "submit", "brand", 90),
    step(5, "approve", "brand", 95),
    step(5, "approve", "legal", 175, last=True),
    # 6: brand 100..101, cancelled while in review
    step(6, "submit", "brand", 100),
    step(6, "cancel", "brand", 101, from_state="in_review", to_state="cancelled"),
    # 7 and 8: brand 1 h each, then waiting at legal since 121 and 131 (ages 79 and 69)
    step(7, "submit", "brand", 120),
    step(7, "approve", "brand", 121),
    step(8, "submit", "brand", 130),
    step(8, "approve", "brand", 131),
    # 9: created before the window (an action metrics ignore); everything else after now
    step(9, "create", None, -30, to_state="draft"),
    step(9, "submit", "brand", 210),
    step(9, "approve", "brand", 215),
    # 10: brand -50..-40 (ended before the window: not counted), -5..5 (10 h), legal 5..20
    #     (15 h) ending in changes requested, then cancelled from changes_requested (no stay)
    step(10, "submit", "brand", -50),
    step(10, "request_changes", "brand", -40),
    step(10, "resubmit", "brand", -5),
    step(10, "approve", "brand", 5),
    step(10, "request_changes", "legal", 20),
    step(10, "cancel", None, 30, from_state="changes_requested", to_state="cancelled"),
    # 11: three stages (brand, legal, exec): brand 150..151, legal 151..160, waits at exec (40 h)
    step(11, "submit", "brand", 150),
    step(11, "approve", "brand", 151),
    step(11, "approve", "legal", 160),
    # 12: approved entirely before the window
    step(12, "submit", "brand", -100),
    step(12, "approve", "brand", -90),
    step(12, "approve", "legal", -80, last=True),
]
HISTORY.sort(key=lambda t: t.at)
BRIEF_STAGES = {11: ("brand", "legal", "exec")}


def linear_percentile(values: list[float], share: float) -> float:
    """The textbook linear-interpolation percentile, written out so the test checks numpy."""
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


@pytest.fixture(scope="module")
def metrics():  # type: ignore[no-untyped-def]
    return flow_metrics(HISTORY, NOW, W, LIMITS, stage_order=ORDER, brief_stages=BRIEF_STAGES)


def test_cycle_time_per_stage(metrics) -> None:  # type: ignore[no-untyped-def]
    brand = metrics.stages["brand"].cycle
    # stays that ended inside the window: 12, 10, 1, 170, 1, 2, 10, 5, 1, 1, 1, 10, 1
    # sorted 1 1 1 1 1 1 2 5 10 10 10 12 170: p50 = 7th value = 2; p90 at rank 10.8 = 10 + 0.8*2
    assert brand.count == 13
    assert (brand.p50, brand.p90, brand.max) == pytest.approx((2.0, 11.6, 170.0))
    assert brand.p90 == pytest.approx(linear_percentile([1] * 6 + [2, 5, 10, 10, 10, 12, 170], 0.9))
    legal = metrics.stages["legal"].cycle
    # 4, 3, 80, 15, 9 -> sorted 3 4 9 15 80: p50 9; p90 at rank 3.6 = 15 + 0.6 * 65 = 54
    assert legal.count == 5
    assert (legal.p50, legal.p90, legal.max) == pytest.approx((9.0, 54.0, 80.0))
    assert metrics.stages["exec"].cycle.count == 0
    assert list(metrics.stages) == ["brand", "legal", "exec"]  # policy order, then the others
    assert metrics.unit == "h"


def test_end_to_end(metrics) -> None:  # type: ignore[no-untyped-def]
    # briefs approved in the window: 16 h, 30 h, 85 h -> p50 30, p90 at rank 1.8 = 30 + 0.8 * 55
    e2e = metrics.end_to_end
    assert e2e.count == 3
    assert (e2e.p50, e2e.p90, e2e.max) == pytest.approx((30.0, 74.0, 85.0))
    assert sorted(e2e.samples) == pytest.approx([16.0, 30.0, 85.0])


def test_throughput_per_iso_week(metrics) -> None:  # type: ignore[no-untyped-def]
    # briefs 1 and 2 approved Monday 2 November (W45), brief 5 on Monday 9 November (W46);
    # brief 12 before the window and brief 9's approval after now don't count
    assert metrics.throughput == {"2026-W45": 2, "2026-W46": 1}


def test_rework(metrics) -> None:  # type: ignore[no-untyped-def]
    # submitted in the window: 2, 3, 5, 6, 7, 8, 11 (7 briefs); changes requested on 2 and 5.
    # rounds since that submit: 2 -> 2, 5 -> 4 (submit, 2 resubmits, a submit after reopening),
    # the others 1 each: 11 rounds over 7 briefs
    assert (metrics.briefs_submitted, metrics.briefs_reworked) == (7, 2)
    assert metrics.rework_rate == pytest.approx(2 / 7)
    assert metrics.mean_rounds == pytest.approx(11 / 7)
    assert metrics.max_rounds == 4


def test_work_in_progress_against_limits(metrics) -> None:  # type: ignore[no-untyped-def]
    brand, legal, exec_ = (metrics.stages[name] for name in ("brand", "legal", "exec"))
    assert (brand.wip, brand.wip_limit, brand.over_limit) == (1, 2, False)
    assert (legal.wip, legal.wip_limit, legal.over_limit) == (3, 1, True)  # briefs 4, 7, 8
    assert (exec_.wip, exec_.wip_limit, exec_.over_limit) == (1, None, False)
    assert brand.oldest_age == pytest.approx(199.0)
    assert (legal.mean_age, legal.oldest_age) == pytest.approx(((50 + 79 + 69) / 3, 79.0))


def test_bottleneck_is_where_the_backlog_grew_most(metrics) -> None:  # type: ignore[no-untyped-def]
    brand, legal, exec_ = (metrics.stages[name] for name in ("brand", "legal", "exec"))
    # brand arrivals in the window: 2 x brief 2, 3, 4 x brief 5, 6, 7, 8, 11 = 11; 13 departures
    assert (brand.arrivals, brand.departures) == (11, 13)
    # legal arrivals: briefs 1, 2, 4, 5, 7, 8, 10, 11 = 8; departures 1, 2, 5, 10, 11 = 5
    assert (legal.arrivals, legal.departures) == (8, 5)
    # brand held briefs 1 (10 h old), 2 (0), 4 (20), 10 (5) at the start = 35; brief 3 now = 199
    assert brand.backlog_growth == pytest.approx(199 - 35)
    # legal held nothing at the start; now 50 + 79 + 69
    assert legal.backlog_growth == pytest.approx(198.0)
    assert exec_.backlog_growth == pytest.approx(40.0)
    # brand has the oldest item, but legal's backlog grew most
    assert metrics.bottleneck == "legal"


def test_input_order_and_columns_do_not_change_the_answer(metrics) -> None:  # type: ignore[no-untyped-def]
    shuffled = HISTORY[:]
    random.Random(7).shuffle(shuffled)
    rows = [
        (t.brief_id, t.action, t.from_state, t.to_state, t.stage, t.at.timestamp())
        for t in shuffled
    ]
    again = flow_metrics(
        TransitionColumns.from_rows(rows),
        NOW,
        W,
        LIMITS,
        stage_order=ORDER,
        brief_stages=BRIEF_STAGES,
    )
    assert again == metrics


def test_without_brief_stages_an_unknown_next_stage_is_not_guessed() -> None:
    m = flow_metrics(HISTORY, NOW, W, LIMITS, stage_order=ORDER)
    assert "exec" not in m.stages  # brief 11's exec stage is known only from BRIEF_STAGES
    assert m.stages["legal"].wip == 3


def test_business_hours_cycle_times() -> None:
    ny = ZoneInfo("America/New_York")
    calendar = BusinessCalendar(
        "America/New_York", time(9), time(17, 30), frozenset(range(5)), "US"
    )
    friday = datetime(2026, 11, 13, 16, 30, tzinfo=ny)
    events = [
        Transition(1, "submit", "draft", "in_review", "brand", friday),
        # Monday 10:00: 1 h Friday + 1 h Monday, though 65.5 wall-clock hours passed
        Transition(
            1, "approve", "in_review", "approved", "brand", datetime(2026, 11, 16, 10, tzinfo=ny)
        ),
        # waits from Wednesday 25th 17:00 over Thanksgiving to Friday 27th 10:00: 1.5 h
        Transition(
            2, "submit", "draft", "in_review", "brand", datetime(2026, 11, 25, 17, tzinfo=ny)
        ),
    ]
    m = flow_metrics(
        events,
        datetime(2026, 11, 27, 10, tzinfo=ny),
        friday - timedelta(days=1),
        {"brand": 5},
        stage_order=("brand",),
        calendar=calendar,
    )
    assert m.unit == "business h"
    assert m.stages["brand"].cycle.max == pytest.approx(2.0)
    assert m.end_to_end.max == pytest.approx(2.0)
    assert m.stages["brand"].oldest_age == pytest.approx(1.5)


def test_business_clock_agrees_with_the_calendar() -> None:
    calendar = BusinessCalendar("Europe/Amsterdam", time(9), time(17), frozenset(range(5)), "NL")
    rng = np.random.default_rng(3)
    base = datetime(2026, 3, 20, tzinfo=UTC).timestamp()  # spans the March DST change and Easter
    moments = np.sort(base + rng.uniform(0, 40 * 86400, size=40))
    events = []
    for brief_id, (a, b) in enumerate(zip(moments[::2], moments[1::2], strict=True)):
        events += [
            Transition(
                brief_id, "submit", "draft", "in_review", "brand", datetime.fromtimestamp(a, UTC)
            ),
            Transition(
                brief_id, "reject", "in_review", "rejected", "brand", datetime.fromtimestamp(b, UTC)
            ),
        ]
    m = flow_metrics(
        events,
        datetime(2026, 6, 1, tzinfo=UTC),
        datetime(2026, 3, 1, tzinfo=UTC),
        {},
        calendar=calendar,
    )
    expected = [
        calendar.business_hours_between(
            datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC)
        )
        for a, b in zip(moments[::2], moments[1::2], strict=True)
    ]
    assert sorted(m.stages["brand"].cycle.samples) == pytest.approx(sorted(expected))


def test_stats_lines(metrics) -> None:  # type: ignore[no-untyped-def]
    lines = format_stats(metrics, labels={"brand": "Brand", "legal": "Legal"})
    text = "\n".join(lines)
    assert "• Brand: p50 2.0 h · p90 11.6 h · max 170.0 h (n=13)" in lines
    assert "*Throughput* (approved per week): week of 2 Nov: 2 · week of 9 Nov: 1" in lines
    assert "29% of 7 briefs" in text and "1.57 rounds per brief (max 4)" in text
    assert "Legal 3/1 :warning: over limit" in text and "Brand 1/2 ·" in text
    assert lines[-1] == (
        "*Bottleneck*: Legal: 3 waiting, the oldest for 79 hours; the waiting time they hold grew "
        "by 198 hours in this period (8 in, 5 out)"
    )


def test_empty_history() -> None:
    m = flow_metrics([], NOW, W, LIMITS, stage_order=ORDER)
    assert m.bottleneck is None and m.end_to_end.count == 0 and m.rework_rate == 0
    assert m.throughput == {"2026-W45": 0, "2026-W46": 0}
    assert [(s.name, s.wip, s.cycle.count) for s in m.stages.values()] == [
        ("brand", 0, 0),
        ("legal", 0, 0),
    ]
    lines = format_stats(m)
    assert "*Bottleneck*: none, nothing is waiting" in lines
    assert any("no data" in line for line in lines)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_cycle_time_chart_is_a_real_png(metrics) -> None:  # type: ignore[no-untyped-def]
    png = cycle_time_chart_png(metrics, labels={"brand": "Brand", "legal": "Legal"})
    width, height = png_size(png)
    assert 600 <= width <= 2000 and 200 <= height <= 1500
    assert 5_000 < len(png) < 500_000
    pixels = mpimg.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (height, width)
    assert (pixels[..., :3] < 0.5).mean() > 0.005  # ink on the page, not a blank image


def test_chart_of_an_empty_history_says_so() -> None:
    png = cycle_time_chart_png(flow_metrics([], NOW, W, LIMITS, stage_order=ORDER))
    width, height = png_size(png)
    assert width >= 600 and height >= 100


def test_moves_at_the_same_moment_keep_the_order_they_were_written_in() -> None:
    # A frozen clock (or a fast team) can stamp submit, approve and approve with one moment; a
    # database returns them in any order. The audit id (the 7th column) puts them back.
    at = W.timestamp() + 3600
    rows = [
        (1, "approve", "in_review", "approved", "legal", at, 12),
        (1, "approve", "in_review", "in_review", "brand", at, 11),
        (1, "submit", "draft", "in_review", "brand", at, 10),
    ]
    m = flow_metrics(TransitionColumns.from_rows(rows), NOW, W, LIMITS, stage_order=ORDER)
    assert (m.end_to_end.count, m.stages["brand"].cycle.count, m.stages["legal"].cycle.count) == (
        1,
        1,
        1,
    )
    assert m.stages["brand"].wip == m.stages["legal"].wip == 0
    unordered = flow_metrics(
        TransitionColumns.from_rows([row[:6] for row in rows]), NOW, W, LIMITS, stage_order=ORDER
    )
    assert unordered.end_to_end.count == 0  # without the sequence, input order is all there is


def test_a_week_is_named_by_its_monday_across_a_years_end() -> None:
    # ISO week 1 of 2027 starts on Monday 4 January; 2026's week 53 on Monday 28 December.
    assert week_name("2026-W53") == "week of 28 Dec"
    assert week_name("2027-W01") == "week of 4 Jan"
