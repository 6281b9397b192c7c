"""The capacity forecast: Erlang C against its textbook formula and against SimPy, the
estimates read off the audit trail, the Monte Carlo done-dates, and `mopsbot forecast what-if`."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from bot.app.config import PACKAGE_POLICY
from bot.cli.main import main
from bot.flow import capacity, forecast, queueing, simulation
from bot.flow.forecast import History, StageHistory, StageOutlook, WhatIf
from bot.flow.messages import forecast_lines
from bot.flow.queueing import StageLoad
from bot.sla.calendar import calendar_for
from bot.storage.database import Database
from policies.loader import load_policy
from tests.support.history import seed_brief

POLICY = load_policy(PACKAGE_POLICY)
CALENDAR = calendar_for(POLICY)  # New York, 09:00-17:30, weekdays, US holidays


def erlang_c_by_factorials(c: int, a: float) -> float:
    """The formula as printed (e.g. Kleinrock, Queueing Systems vol. 1, eq. 3.40)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (2, 1.0), (5, 4.2), (10, 8.0), (30, 27.5)])
def test_erlang_c_matches_the_textbook_formula(c: int, a: float) -> None:
    assert queueing.erlang_c(c, a) == pytest.approx(erlang_c_by_factorials(c, a), rel=1e-9)


def test_erlang_c_known_values() -> None:
    assert queueing.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert queueing.erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: the chance to wait is rho
    assert queueing.erlang_c(3, 3.0) == 1.0 and queueing.erlang_c(3, 0.0) == 0.0


def test_mm1_time_in_stage_is_exponential() -> None:
    """M/M/1: time in system is exponential with rate mu - lambda."""
    result = queueing.forecast(StageLoad(0.5, 1.0, 1), sla_hours=3.0)
    assert result.breach_probability == pytest.approx(math.exp(-0.5 * 3.0), rel=1e-6)
    assert result.mean_hours == pytest.approx(2.0)
    assert result.p90_hours == pytest.approx(math.log(10) / 0.5, rel=1e-3)


@pytest.mark.parametrize(
    ("per_hour", "mean", "reviewers", "sla"),
    [(0.5, 1.5, 1, 4.0), (1.5, 1.0, 2, 3.0), (3.0, 2.0, 8, 3.0)],
)
def test_closed_form_agrees_with_simulation_for_exponential_decisions(
    per_hour: float, mean: float, reviewers: int, sla: float
) -> None:
    closed = queueing.forecast(StageLoad(per_hour, mean, reviewers), sla)
    simulated = simulation.simulate(
        per_hour, simulation.exponential(mean), reviewers, sla, briefs=30_000, seed=11
    )
    assert closed.breach_probability is not None and simulated.breach_probability is not None
    assert abs(closed.breach_probability - simulated.breach_probability) < 0.02
    assert closed.mean_hours == pytest.approx(simulated.mean_hours, rel=0.05)


def test_the_correction_for_steady_decision_times_beats_plain_erlang() -> None:
    """Decisions that take about the same time every time (cs2 = 0.25) wait less than M/M/c says;
    the corrected form is closer to the simulation than the exponential one."""
    per_hour, mean, reviewers, sla = 0.8, 1.0, 1, 2.5
    simulated = simulation.simulate(
        per_hour, simulation.gamma(mean, 0.25), reviewers, sla, briefs=30_000, seed=5
    )
    corrected = queueing.forecast(StageLoad(per_hour, mean, reviewers, 0.25), sla)
    plain = queueing.forecast(StageLoad(per_hour, mean, reviewers, 1.0), sla)
    assert simulated.breach_probability is not None
    error_corrected = abs(corrected.breach_probability - simulated.breach_probability)  # type: ignore[operator]
    error_plain = abs(plain.breach_probability - simulated.breach_probability)  # type: ignore[operator]
    assert error_corrected < error_plain / 2


def test_an_overloaded_stage_reports_how_fast_its_queue_grows() -> None:
    result = queueing.forecast(StageLoad(3.0, 1.0, 2), sla_hours=8.0)
    assert not result.stable and result.utilisation == pytest.approx(1.5)
    assert result.growth_per_hour == pytest.approx(1.0)  # 3 arrive, 2 are decided, per hour
    assert result.breach_probability is None and result.mean_hours is None


def test_reviewers_needed_is_the_fewest_that_meet_the_target() -> None:
    load = StageLoad(2.0, 1.0, 1)  # unstable with one reviewer
    needed = queueing.reviewers_needed(load, sla_hours=4.0, max_breach=0.05)
    assert needed is not None

    def breach(c: int) -> float:
        value = queueing.forecast(StageLoad(2.0, 1.0, c), 4.0).breach_probability
        return 1.0 if value is None else value

    assert breach(needed) <= 0.05 < breach(needed - 1)
    # A decision alone takes longer than the SLA too often: no number of reviewers helps.
    assert queueing.reviewers_needed(StageLoad(0.1, 10.0, 1), 2.0, 0.1) is None


def test_decision_times_leave_out_the_wait_behind_others() -> None:
    # One reviewer; three briefs arrive at once and leave one hour apart: each took an hour.
    times = forecast.decision_times(np.zeros(3), np.array([1.0, 2.0, 3.0]), reviewers=1)
    assert times.tolist() == [1.0, 1.0, 1.0]
    # Two reviewers: the third starts when the first decision freed someone.
    times = forecast.decision_times(np.zeros(3), np.array([1.0, 2.0, 3.0]), reviewers=2)
    assert times.tolist() == [1.0, 2.0, 2.0]


def test_daily_counts_include_the_days_nothing_ended() -> None:
    since = datetime(2026, 11, 30, 5, tzinfo=UTC)  # Monday, before opening in New York
    now = datetime(2026, 12, 5, 5, tzinfo=UTC)  # Saturday
    moments = np.array(
        [datetime(2026, 11, 30, 15, tzinfo=UTC).timestamp()] * 2
        + [datetime(2026, 12, 3, 15, tzinfo=UTC).timestamp()]
    )
    assert forecast.daily_counts(moments, CALENDAR, since, now).tolist() == [2, 0, 0, 1, 0]


def _history(daily: list[int], open_briefs: int) -> History:
    return History(
        datetime(2026, 11, 2, tzinfo=UTC),
        datetime(2026, 12, 2, tzinfo=UTC),
        20,
        8.5,
        [],
        np.array(daily),
        open_briefs,
    )


def test_done_dates_from_a_steady_pace() -> None:
    """Two a day, every day, and ten open: done on the fifth business day, whatever the draw."""
    done = forecast.completion(
        _history([2] * 20, 10), CALENDAR, date(2026, 12, 2), by=date(2026, 12, 8)
    )
    assert done is not None
    # Thu 3, Fri 4, Mon 7, Tue 8, Wed 9 December: the weekend is skipped.
    assert done.dates == {50: date(2026, 12, 9), 85: date(2026, 12, 9), 95: date(2026, 12, 9)}
    assert done.done_by_date == 8  # four business days by Tue 8 December


def test_done_dates_spread_with_an_uneven_pace_and_are_repeatable() -> None:
    history = _history([0, 0, 5, 1, 0, 3, 0, 0, 2, 0], 12)
    first = forecast.completion(history, CALENDAR, date(2026, 12, 2))
    again = forecast.completion(history, CALENDAR, date(2026, 12, 2))
    assert first == again  # fixed seed
    assert first is not None
    assert first.dates[50] is not None and first.dates[95] is not None
    assert first.dates[50] < first.dates[95]
    assert forecast.completion(_history([0, 0, 0], 4), CALENDAR, date(2026, 12, 2)) is None


def test_outlook_applies_the_what_if() -> None:
    stage = StageHistory("legal", 40, np.full(40, 2.0), 1, 3, 8.5)
    history = History(
        datetime(2026, 11, 2, tzinfo=UTC),
        datetime(2026, 12, 2, tzinfo=UTC),
        20,
        8.5,
        [stage],
        np.zeros(20),
        3,
    )
    (today,) = forecast.outlook(history, WhatIf(), max_breach=0.1)
    assert today.arrivals_per_day == pytest.approx(2.0)
    assert today.forecast is not None and today.forecast.utilisation == pytest.approx(2 * 2 / 8.5)
    (spike,) = forecast.outlook(history, WhatIf(spike=3.0, reviewers={"legal": 2}), 0.1)
    assert spike.forecast is not None and spike.forecast.load.reviewers == 2
    assert spike.forecast.utilisation == pytest.approx(6 * 2 / 8.5 / 2)
    thin = StageHistory("brand", 4, np.full(4, 1.0), 1, 0, 17.0)
    (unknown,) = forecast.outlook(
        History(history.since, history.now, 20, 8.5, [thin], np.zeros(20), 0), WhatIf(), 0.1
    )
    assert unknown.forecast is None  # four decisions are too few to say


T0 = datetime(2026, 11, 2, 14, tzinfo=UTC)  # Monday 09:00 in New York


def test_history_is_read_off_the_audit_trail(db: Database) -> None:
    with db.transaction() as session:
        for day in range(5):  # Monday to Friday: one brief a day, brand then legal
            start = day * 24
            seed_brief(
                session,
                day + 1,
                "approved",
                T0,
                [
                    ("submit", "in_review", "brand", "U01RITA", start),
                    (
                        "approve",
                        "in_review",
                        "brand",
                        "U02BRAM" if day % 2 else "U02BEA",
                        start + 1,
                    ),
                    ("approve", "approved", "legal", "U03LENA", start + 3),
                ],
            )
        seed_brief(
            session, 6, "in_review", T0, [("submit", "in_review", "brand", "U01RITA", 4 * 24 + 5)]
        )
    now = T0 + timedelta(days=4, hours=8)  # Friday 17:00 in New York
    with db.read() as session:
        past = capacity.history(session, POLICY, now=now, days=7)
    brand, legal = past.stages
    assert (brand.name, brand.arrivals, brand.reviewers, brand.queue_now) == ("brand", 6, 2, 1)
    assert brand.decision_hours.tolist() == pytest.approx([1.0] * 5)
    assert (legal.arrivals, legal.reviewers, legal.queue_now) == (5, 1, 0)
    assert legal.decision_hours.tolist() == pytest.approx([2.0] * 5)
    assert legal.sla_hours == pytest.approx(8.5)  # 1 business day of 09:00-17:30
    assert past.daily_throughput.tolist()[-5:] == [1, 1, 1, 1, 1]
    assert past.open_briefs == 1


def test_what_if_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "forecast",
            "what-if",
            "--arrivals-per-day",
            "12",
            "--service-hours",
            "1",
            "--reviewers",
            "2",
            "--sla-hours",
            "4",
            "--json",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["utilisation"] == pytest.approx(0.75)
    assert report["stable"] is True
    expected = queueing.forecast(StageLoad(1.5, 1.0, 2), 4.0)
    assert report["breach_probability"] == pytest.approx(expected.breach_probability, abs=1e-4)
    assert report["reviewers_needed"] == queueing.reviewers_needed(StageLoad(1.5, 1.0, 2), 4.0, 0.1)

    assert (
        main(
            [
                "forecast",
                "what-if",
                "--arrivals-per-day",
                "40",
                "--service-hours",
                "1",
                "--reviewers",
                "2",
                "--sla-hours",
                "4",
                "--json",
            ]
        )
        == 0
    )
    overloaded = json.loads(capsys.readouterr().out)
    assert overloaded["stable"] is False and overloaded["queue_growth_per_day"] == pytest.approx(24)
    assert overloaded["breach_probability"] is None


def test_what_if_refuses_bad_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(
            [
                "forecast",
                "what-if",
                "--arrivals-per-day",
                "-3",
                "--service-hours",
                "1",
                "--reviewers",
                "2",
                "--sla-hours",
                "4",
            ]
        )
    assert exit_.value.code == 2
    assert "must be more than 0" in capsys.readouterr().err
    assert (
        main(
            [
                "forecast",
                "what-if",
                "--arrivals-per-day",
                "3",
                "--service-hours",
                "1",
                "--reviewers",
                "2",
                "--sla-hours",
                "4",
                "--max-breach",
                "5",
            ]
        )
        == 2
    )


def test_forecast_without_a_database_says_so(
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    assert main(["forecast"]) == 2
    assert "mopsbot migrate" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_forecast_from_the_database_on_the_command_line(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with db.transaction() as session:
        for number in range(1, 8):
            start = (number - 1) * 24.0
            seed_brief(
                session,
                number,
                "approved",
                T0 - timedelta(days=14),
                [
                    ("submit", "in_review", "brand", "U01RITA", start),
                    ("approve", "in_review", "brand", "U02BRAM", start + 1),
                    ("approve", "approved", "legal", "U03LENA", start + 2),
                ],
            )
    monkeypatch.setenv("DATABASE_URL", db.url)
    assert main(["forecast", "--reviewers", "legal=2"]) == 0
    out = capsys.readouterr().out
    assert "Capacity forecast" in out and "Legal has 2 reviewers" in out
    assert "*" not in out  # Slack's bold marks are for Slack
    assert main(["forecast", "--simulate"]) == 0
    replay = capsys.readouterr().out
    assert "A simulation replaying the observed decision times:" in replay
    assert main(["forecast", "--reviewers", "marketing=2"]) == 2
    assert "not a review stage" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("decisions", "words"), [(1, "(1 decision in the window"), (3, "(3 decisions")]
)
def test_too_little_history_counts_its_decisions_in_words(decisions: int, words: str) -> None:
    outlook = StageOutlook("brand", 1, 0.2, decisions, None, 8.0, None, None, 8.0)
    lines = forecast_lines([outlook], {"brand": "Brand"}, max_breach=0.1, history_days=30)
    assert f"*Brand* (1 waiting): not enough history yet {words}" in lines[1]
