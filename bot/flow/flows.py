"""The team's flow figures and capacity forecast, each read in a unit of work of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.briefs.messages import stage_label
from bot.flow import capacity, charts, messages, service
from bot.flow import forecast as forecast_model
from bot.flow.forecast import WhatIf
from bot.sla.calendar import calendar_for
from bot.slack.outbox import enqueue_file
from bot.storage.database import Database
from policies.schema import Policy


def stats_lines(db: Database, policy: Policy, *, now: datetime, days: int) -> list[str]:
    """`/mops stats`: the figures of the last `days` days."""
    with db.read() as session:
        return service.stats_lines(session, policy, now=now, since=now - timedelta(days=days))


@dataclass(frozen=True)
class ForecastAsk:
    """What `/mops forecast` or `mopsbot forecast` asked for."""

    what_if: WhatIf = WhatIf()
    by: date | None = None  # "how many reviews will have ended by this day"
    days: int | None = None  # history window; None: the policy's
    chart_channel: str | None = None  # share the picture here too
    asked_by: str | None = None
    simulate: bool = False  # also replay each stage in SimPy (seconds: the CLI's option)


def forecast(db: Database, policy: Policy, *, now: datetime, ask: ForecastAsk) -> list[str]:
    """The forecast's lines; with `chart_channel`, its picture is shared there once this commits."""
    settings = policy.forecast
    days = ask.days or settings.history_days
    calendar = calendar_for(policy)
    with db.read() as session:
        past = capacity.history(session, policy, now=now, days=days)
    labels = {name: stage_label(policy, name) for name in capacity.stage_names(policy)}
    observed = forecast_model.outlook(past, forecast_model.WhatIf(), settings.max_breach)
    changed = (
        forecast_model.outlook(past, ask.what_if, settings.max_breach)
        if ask.what_if.changes_anything
        else None
    )
    spike_days = forecast_model.spike_business_days(calendar, ask.what_if)
    today = now.astimezone(calendar.zone).date()
    done = forecast_model.completion(past, calendar, today, by=ask.by)
    lines = messages.forecast_lines(
        changed or observed,
        labels,
        max_breach=settings.max_breach,
        history_days=days,
        # a team younger than the window: say how much history there is
        history_since=past.since.date() if past.since > now - timedelta(days=days) else None,
        what_if=ask.what_if,
        spike_days=spike_days,
        completion=done,
        pace_unknown=done is None and (past.open_briefs > 0 or ask.by is not None),
        replayed=forecast_model.replayed(past, changed or observed) if ask.simulate else None,
    )
    if ask.chart_channel and not any(o.forecast for o in [*observed, *(changed or [])]):
        lines.append("No chart: no stage has enough history to draw yet.")
    elif ask.chart_channel:
        png = charts.capacity_chart_png(observed, changed, labels, max_breach=settings.max_breach)
        who = f"<@{ask.asked_by}> asked for this. " if ask.asked_by else ""
        with db.transaction() as session:
            enqueue_file(
                session,
                channel=ask.chart_channel,
                filename=f"capacity-forecast-{today:%Y-%m-%d}.png",
                content=png,
                title="Capacity forecast per review stage",
                initial_comment=f"*Capacity forecast*: {who}`/mops forecast` has the figures.",
            )
    return lines
