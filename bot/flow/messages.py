"""The capacity forecast in plain words: per stage, how busy it is, how many briefs will be late,
and how many reviewers would keep lateness under the policy's target; then when the open briefs
will be done."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.flow.forecast import Completion, StageOutlook, WhatIf
from bot.sla.calendar import business_time

PERCENTILE_WORDS = {50: "half of the simulated futures", 85: "85%", 95: "95%"}


def forecast_lines(
    outlooks: list[StageOutlook],
    labels: Mapping[str, str],
    *,
    max_breach: float,
    history_days: int,
    history_since: date | None = None,
    what_if: WhatIf | None = None,
    spike_days: int | None = None,
    completion: Completion | None = None,
    replayed: Mapping[str, float] | None = None,
    pace_unknown: bool = False,
) -> list[str]:
    learned = (
        f"the history since {_day(history_since)}"
        if history_since
        else f"the last {history_days} days"
    )
    lines = [f"*Capacity forecast* (from {learned})"]
    if what_if is not None and what_if.changes_anything:
        lines.append(f"_What if {_what_if_words(what_if, labels, spike_days)}:_")
    for outlook in outlooks:
        line = _stage_line(outlook, labels, max_breach, spike_days)
        if replayed and outlook.name in replayed:
            line += (
                f" (A simulation replaying the observed decision times: "
                f"{_share(replayed[outlook.name])} late.)"
            )
        lines.append(line)
    if completion is not None:
        lines += _completion_lines(completion)
    elif pace_unknown:
        lines.append(
            "No review ended in the window yet, so there is no pace to project dates from."
        )
    return lines


def _stage_line(
    outlook: StageOutlook, labels: Mapping[str, str], max_breach: float, spike_days: int | None
) -> str:
    name = labels.get(outlook.name, outlook.name)
    waiting = f"{outlook.queue_now} waiting"
    result = outlook.forecast
    if result is None:
        if outlook.arrivals_per_day <= 0:
            return f"• *{name}* ({waiting}): no briefs arrived in the window, nothing to forecast."
        return (
            f"• *{name}* ({waiting}): not enough history yet "
            f"({_count(outlook.decisions, 'decision')} in the window; 5 are needed)."
        )
    people = _count(result.load.reviewers, "reviewer")
    head = f"• *{name}* ({waiting}, {people}, {outlook.arrivals_per_day:.1f} arriving a day)"
    need = _need_words(outlook, max_breach)
    if not result.stable:
        growth = f"the queue grows by about {outlook.growth_per_day:.1f} a business day"
        if spike_days:
            growth += f" (about {outlook.growth_per_day * spike_days:.0f} over the spike)"
        return f"{head}: more arrives than {people} can decide: {growth}.{need}"
    parts = [f"busy {result.utilisation:.0%} of the time"]
    if result.breach_probability is not None and outlook.sla_hours is not None:
        parts.append(
            f"{_share(result.breach_probability)} of briefs will take longer than the SLA "
            f"({_sla(outlook.sla_hours, outlook.hours_per_day)})"
        )
    assert result.mean_hours is not None and result.p90_hours is not None  # stable
    parts.append(
        f"on average {_hours(result.mean_hours)} in the stage, 9 in 10 within "
        f"{_hours(result.p90_hours)}"
    )
    return f"{head}: {'; '.join(parts)}.{need}"


def _need_words(outlook: StageOutlook, max_breach: float) -> str:
    if outlook.sla_hours is None or outlook.forecast is None:
        return ""
    target = f"To keep late briefs under {max_breach:.0%}"
    if outlook.reviewers_needed is None:
        return f" {target}, more reviewers are not enough: one decision alone often takes longer."
    have = outlook.forecast.load.reviewers
    if outlook.reviewers_needed < have:
        return f" {_count(outlook.reviewers_needed, 'reviewer')} would keep late briefs under {max_breach:.0%}."
    if outlook.reviewers_needed == have:
        return ""
    return f" {target}: {_count(outlook.reviewers_needed, 'reviewer')}."


def _completion_lines(completion: Completion) -> list[str]:
    lines = []
    if completion.open_briefs and completion.dates:
        said = [
            f"{PERCENTILE_WORDS[p]} by {_day(day)}"
            if day
            else f"{PERCENTILE_WORDS[p]}: not within a year"
            for p, day in completion.dates.items()
        ]
        lines.append(
            f"*The {_count(completion.open_briefs, 'brief')} in review now*, at the pace of "
            f"the window: {', '.join(said)}."
        )
    if completion.by_date is not None and completion.done_by_date is not None:
        lines.append(
            f"By {_day(completion.by_date)}, at least {_count(completion.done_by_date, 'review')}"
            " will end (85% sure)."
        )
    return lines


def _what_if_words(what_if: WhatIf, labels: Mapping[str, str], spike_days: int | None) -> str:
    parts = []
    if what_if.spike != 1.0:
        spike = f"{what_if.spike:g}× as many briefs arrive"
        if what_if.spike_from and what_if.spike_to:
            spike += f" from {_day(what_if.spike_from)} to {_day(what_if.spike_to)}"
            spike += f" ({_count(spike_days or 0, 'business day')})"
        parts.append(spike)
    for stage, reviewers in what_if.reviewers.items():
        parts.append(f"{labels.get(stage, stage)} has {_count(reviewers, 'reviewer')}")
    return " and ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _share(probability: float) -> str:
    return "under 1%" if 0 < probability < 0.005 else f"{probability:.0%}"


def _hours(hours: float) -> str:
    return business_time(hours)


def _sla(hours: float, hours_per_day: float) -> str:
    """As the policy says it: "2 business days" when it is whole days, else hours."""
    days = hours / hours_per_day
    if abs(days - round(days)) < 1e-6 and days >= 1:
        return _count(round(days), "business day")
    return _hours(hours)


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"
