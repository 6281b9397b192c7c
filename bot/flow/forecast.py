"""The capacity forecast: from the audit trail's stays to each stage's outlook, with what-ifs.

Estimated per stage over a window of history (business time throughout):
- arrivals: briefs that entered the stage, per business day;
- decision times: how long a reviewer spent on each brief. The trail records when a brief entered
  and left a stage, not when someone started on it, so the start is reconstructed as in a
  first-come-first-served queue: the later of its arrival and the moment the c-th earlier decision
  freed a reviewer (c = the stage's reviewers). Waiting behind other briefs is not counted as work;
  a reviewer who is simply slow still is;
- reviewers: the people who decided at that stage in the window (passed in);
- the queue now: briefs waiting in it.
Then bot/flow/queueing.py turns demand and capacity into utilisation, breach probability and
waits, and the smallest number of reviewers that meets the policy's breach target.

"When will these be done" is a Monte Carlo on the daily count of reviews that ended (approved,
rejected, cancelled), zero days included, drawn with replacement: no model of the stages at all,
so it is a check on the queueing view from another side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from bot.flow import queueing, simulation
from bot.flow.metrics import StageStays
from bot.flow.queueing import QueueForecast, StageLoad
from policies.sla import BusinessCalendar

MIN_DECISIONS = 5  # fewer finished stays than this in the window: no forecast for the stage
SHORTEST_DECISION_HOURS = 1 / 60  # a decision recorded in the same minute still took a minute
RUNS = 10_000
SEED = 20261201  # fixed: the same history gives the same dates every time it is asked
HORIZON_DAYS = 260  # a business year; beyond it the answer is "not within a year"


@dataclass(frozen=True)
class StageHistory:
    name: str
    arrivals: int  # entries in the window
    decision_hours: np.ndarray  # reconstructed business hours of each decision in the window
    reviewers: int
    queue_now: int
    sla_hours: float | None


@dataclass(frozen=True)
class History:
    since: datetime
    now: datetime
    business_days: float
    hours_per_day: float
    stages: list[StageHistory]
    daily_throughput: np.ndarray  # reviews ended on each business day of the window, in order
    open_briefs: int

    def arrivals_per_day(self, stage: StageHistory) -> float:
        return stage.arrivals / self.business_days if self.business_days else 0.0


@dataclass(frozen=True)
class WhatIf:
    """A spike in arrivals (a multiplier, over a date range or throughout), and reviewer counts
    per stage that replace the observed ones."""

    spike: float = 1.0
    spike_from: date | None = None
    spike_to: date | None = None
    reviewers: Mapping[str, int] = field(default_factory=dict)

    @property
    def changes_anything(self) -> bool:
        return self.spike != 1.0 or bool(self.reviewers)


@dataclass(frozen=True)
class StageOutlook:
    name: str
    queue_now: int
    arrivals_per_day: float
    decisions: int  # finished decisions the estimate rests on
    mean_decision_hours: float | None
    sla_hours: float | None
    forecast: QueueForecast | None  # None: not enough history to say
    reviewers_needed: int | None  # for the breach target; None when no count would meet it
    hours_per_day: float

    @property
    def growth_per_day(self) -> float:
        return self.forecast.growth_per_hour * self.hours_per_day if self.forecast else 0.0


def estimate(
    stays: StageStays,
    calendar: BusinessCalendar,
    *,
    since: datetime,
    now: datetime,
    reviewers: Mapping[str, int],
    sla_hours: Mapping[str, float | None],
    stages: list[str],
) -> History:
    """The window's history for `stages` (in order), from the stays flow_metrics also reads."""
    hours_per_day = _hours_per_day(calendar)
    # A team that started three weeks ago has three weeks of arrivals, not 90 days' worth: the
    # window starts at the first brief that entered a stage when that is later than `since`.
    first = float(stays.entered.min()) if stays.entered.size else since.timestamp()
    if first > since.timestamp():
        since = datetime.fromtimestamp(first, since.tzinfo)
        start_hours = float(stays.entered_hours.min())
    else:
        start_hours = stays.since_hours
    business_days = (stays.now_hours - start_hours) / hours_per_day
    histories = []
    for name in stages:
        code = stays.names.index(name) if name in stays.names else -1
        mine = stays.stage == code
        crew = max(1, reviewers.get(name, 0))
        finished = mine & stays.ended & (stays.left_hours >= start_hours)
        histories.append(
            StageHistory(
                name,
                int((mine & (stays.entered >= since.timestamp())).sum()),
                decision_times(stays.entered_hours[finished], stays.left_hours[finished], crew),
                crew,
                int((mine & ~stays.ended).sum()),
                sla_hours.get(name),
            )
        )
    return History(
        since,
        now,
        business_days,
        hours_per_day,
        histories,
        daily_counts(stays.review_ends, calendar, since, now),
        int((~stays.ended).sum()),
    )


def decision_times(entered: np.ndarray, left: np.ndarray, reviewers: int) -> np.ndarray:
    """Each finished stay's decision time, first come first served with `reviewers` people: it
    starts when the brief arrived or when the `reviewers`-th earlier decision freed someone."""
    order = np.argsort(left, kind="stable")
    entered, left = entered[order], left[order]
    freed = np.full(left.size, -np.inf)
    if left.size > reviewers:
        freed[reviewers:] = left[:-reviewers]
    started = np.maximum(entered, freed)
    return np.maximum(left - started, SHORTEST_DECISION_HOURS)


def daily_counts(
    moments: np.ndarray, calendar: BusinessCalendar, since: datetime, now: datetime
) -> np.ndarray:
    """How many of `moments` fell on each business day from `since` to `now`, zeros included.
    A moment on a closed day counts for the next business day (it was done out of hours)."""
    zone = calendar.zone
    days = [
        opening.date()
        for opening, _ in calendar.windows(
            since.astimezone(zone).date(), now.astimezone(zone).date()
        )
    ]
    if not days:
        return np.zeros(0, dtype=np.int64)
    index = {day: position for position, day in enumerate(days)}
    counts = np.zeros(len(days), dtype=np.int64)
    ordinals = np.array([day.toordinal() for day in days])
    for moment in moments[(moments >= since.timestamp()) & (moments <= now.timestamp())]:
        local = datetime.fromtimestamp(float(moment), zone).date()
        position = index.get(local)
        if position is None:
            position = int(np.searchsorted(ordinals, local.toordinal()))
            if position >= len(days):
                continue
        counts[position] += 1
    return counts


def outlook(history: History, what_if: WhatIf, max_breach: float) -> list[StageOutlook]:
    """Each stage under the what-if (the observed history when it changes nothing)."""
    outlooks = []
    for stage in history.stages:
        per_day = history.arrivals_per_day(stage) * what_if.spike
        decisions = stage.decision_hours
        if decisions.size < MIN_DECISIONS or per_day <= 0:
            outlooks.append(
                StageOutlook(
                    stage.name,
                    stage.queue_now,
                    per_day,
                    int(decisions.size),
                    float(decisions.mean()) if decisions.size else None,
                    stage.sla_hours,
                    None,
                    None,
                    history.hours_per_day,
                )
            )
            continue
        mean = float(decisions.mean())
        load = StageLoad(
            per_day / history.hours_per_day,
            mean,
            what_if.reviewers.get(stage.name, stage.reviewers),
            float(decisions.var() / mean**2),
        )
        needed = (
            queueing.reviewers_needed(load, stage.sla_hours, max_breach)
            if stage.sla_hours is not None
            else None
        )
        outlooks.append(
            StageOutlook(
                stage.name,
                stage.queue_now,
                per_day,
                int(decisions.size),
                mean,
                stage.sla_hours,
                queueing.forecast(load, stage.sla_hours),
                needed,
                history.hours_per_day,
            )
        )
    return outlooks


@dataclass(frozen=True)
class Completion:
    """When the open briefs will be done, from simulated future days."""

    open_briefs: int
    dates: dict[int, date | None]  # percentile -> the day by which that share of runs finished
    by_date: date | None
    done_by_date: int | None  # at 85% confidence: the 15th percentile of simulated counts


def completion(
    history: History,
    calendar: BusinessCalendar,
    today: date,
    *,
    by: date | None = None,
    runs: int = RUNS,
    seed: int = SEED,
) -> Completion | None:
    """None when the window has no business day or no review ever ended in it (nothing to draw
    a future from)."""
    daily = history.daily_throughput
    if daily.size == 0 or daily.sum() == 0:
        return None
    future = _business_days_after(calendar, today, HORIZON_DAYS)
    rng = np.random.default_rng(seed)
    draws = rng.choice(daily, size=(runs, len(future)), replace=True).cumsum(axis=1)
    dates: dict[int, date | None] = {}
    if history.open_briefs:
        finished = draws >= history.open_briefs
        needed = np.where(finished.any(axis=1), finished.argmax(axis=1), len(future))
        for percentile in (50, 85, 95):
            day = int(np.percentile(needed, percentile, method="higher"))
            dates[percentile] = future[day] if day < len(future) else None
    done_by = None
    if by is not None:
        days = sum(1 for day in future if day <= by)
        counts = draws[:, days - 1] if days else np.zeros(runs)
        done_by = int(np.percentile(counts, 15, method="lower"))
    return Completion(history.open_briefs, dates, by, done_by)


def spike_business_days(calendar: BusinessCalendar, what_if: WhatIf) -> int | None:
    if what_if.spike_from is None or what_if.spike_to is None:
        return None
    return len(calendar.windows(what_if.spike_from, what_if.spike_to))


def _business_days_after(calendar: BusinessCalendar, today: date, count: int) -> list[date]:
    days: list[date] = []
    day = today
    while len(days) < count:
        day += timedelta(days=1)
        if calendar.is_business_day(day):
            days.append(day)
    return days


def _hours_per_day(calendar: BusinessCalendar) -> float:
    start = calendar.start.hour * 60 + calendar.start.minute
    end = calendar.end.hour * 60 + calendar.end.minute
    return (end - start) / 60


def replayed(history: History, outlooks: list[StageOutlook]) -> dict[str, float]:
    """Each forecast stage replayed in SimPy with its own observed decision times (drawn with
    replacement) at the outlook's arrivals and reviewers: the share of briefs late, beside the
    formula's. Only stable stages with an SLA: an overloaded one never settles."""
    late = {}
    decisions = {stage.name: stage.decision_hours for stage in history.stages}
    for outlook in outlooks:
        result = outlook.forecast
        if result is None or not result.stable or outlook.sla_hours is None:
            continue
        simulated = simulation.simulate(
            result.load.arrivals_per_hour,
            simulation.replay(decisions[outlook.name]),
            result.load.reviewers,
            outlook.sla_hours,
        )
        if simulated.breach_probability is not None:
            late[outlook.name] = simulated.breach_probability
    return late
