"""`/mops stats` (the team's flow figures) and `/mops forecast` (capacity, with what-ifs)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from bot.flow import capacity, flows
from bot.flow.flows import ForecastAsk
from bot.flow.forecast import WhatIf
from bot.intake import flows as intake_flows
from handlers.context import Asker

if TYPE_CHECKING:
    from bot.app.runtime import Runtime

STATS_USAGE = "Usage: `/mops stats` or `/mops stats 30d` (1 to 365 days)"
DAYS = re.compile(r"(\d{1,3})d")
FORECAST_USAGE = (
    "Usage: `/mops forecast [spike=2] [from=2027-03-01 to=2027-03-14] [legal=3] "
    "[by=2027-01-31] [days=90] [chart]`: `spike` multiplies arrivals (between `from` and `to`), "
    "`STAGE=N` sets a stage's reviewers, `by` counts the reviews that will have ended by that day, "
    "`days` is the history to learn from, `chart` shares the picture in this channel."
)


def stats(rest: str, runtime: Runtime, asker: Asker) -> str:
    match = DAYS.fullmatch(rest.strip().lower() or "30d")
    if not match or not 1 <= int(match.group(1)) <= 365:
        return STATS_USAGE
    days, now = int(match.group(1)), runtime.clock()
    return "\n".join(
        [
            *flows.stats_lines(runtime.db, runtime.policy, now=now, days=days),
            *intake_flows.deflection_lines(runtime.db, now=now, days=days),
        ]
    )


def forecast(rest: str, runtime: Runtime, asker: Asker) -> str:
    ask = parse_forecast(rest, capacity.stage_names(runtime.policy), asker)
    if isinstance(ask, str):
        return f"{ask}\n{FORECAST_USAGE}"
    now = runtime.clock()
    if ask.by is not None and ask.by <= now.date():
        return f"`by` must be a day after today.\n{FORECAST_USAGE}"
    return "\n".join(flows.forecast(runtime.db, runtime.policy, now=now, ask=ask))


def parse_forecast(text: str, stages: list[str], asker: Asker) -> ForecastAsk | str:
    """The options as a ForecastAsk, or the reason they are not one (for the usage line)."""
    values: dict[str, str] = {}
    chart = False
    for word in text.split():
        key, equals, value = word.partition("=")
        key = key.lower()
        if not equals and key == "chart":
            chart = True
        elif not equals or not value:
            return f"I don't understand `{word}`."
        elif key in values:
            return f"`{key}` is given twice."
        else:
            values[key] = value
    try:
        spike = _number(values.pop("spike", "1").rstrip("x×"), "spike", float, "2")
        start, end = _day(values.pop("from", None)), _day(values.pop("to", None))
        by = _day(values.pop("by", None))
        days = _number(values.pop("days", "0"), "days", int, "90") or None
        reviewers = {
            key: _number(value, key, int, "3") for key, value in values.items() if key in stages
        }
    except ValueError as error:
        return str(error)  # each says which option and what it wants
    unknown = sorted(set(values) - set(stages))
    if unknown:
        return f"`{unknown[0]}` is not an option or a review stage (stages: {', '.join(stages)})."
    if not 0 < spike <= 20:
        return "`spike` is a multiplier between 0 and 20, like `spike=2`."
    if (start is None) != (end is None) or (start and end and start > end):
        return "Give `from` and `to` together, `from` first."
    if start is not None and spike == 1:
        return "`from` and `to` bound a spike: add `spike=`."
    if any(not 1 <= count <= 200 for count in reviewers.values()):
        return "A stage has between 1 and 200 reviewers."
    if days is not None and not 7 <= days <= 730:
        return "`days` is between 7 and 730."
    return ForecastAsk(
        WhatIf(spike, start, end, reviewers),
        by=by,
        days=days,
        chart_channel=asker.channel_id if chart else None,
        asked_by=asker.user_id,
    )


N = TypeVar("N", int, float)


def _number(text: str, option: str, kind: Callable[[str], N], like: str) -> N:
    try:
        return kind(text)
    except ValueError:
        whole = " whole" if kind is int else ""
        raise ValueError(
            f"`{option}={text}`: give a{whole} number, like `{option}={like}`."
        ) from None


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"`{text}` is not a date like 2027-03-01.") from None
