"""A readout's picture: per metric, the relative lift of each variant and its interval as the
results came in, day by day, with zero and the guardrail's margin marked.

A bare matplotlib Figure on the Agg canvas, as in bot/flow/charts.py: no pyplot state, no display.
"""

from __future__ import annotations

import io
import math
from datetime import date, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.experiments.plan import Method, Plan
from bot.experiments.results import Results
from bot.experiments.statistics import EMPTY, sequential, welch

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def interval_chart(plan: Plan, results: Results, first_day: date, until: date) -> bytes:
    days = [first_day + timedelta(days=i) for i in range((until - first_day).days + 1)]
    metrics = plan.metrics
    figure = Figure(figsize=(8, 1.2 + 2.2 * len(metrics)), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    alpha = plan.alpha / (len(plan.arms) - 1)
    total_units = sum(results.units_per_arm(until).values())
    for row, metric in enumerate(metrics):
        axes = figure.add_subplot(len(metrics), 1, row + 1)
        role = "goal" if row < len(plan.goals) else "guardrail"
        better = "higher is better" if metric.higher_is_better else "lower is better"
        axes.set_title(f"{metric.name} ({role}, {better})", loc="left", fontsize=10)
        for index, arm in enumerate(plan.arms[1:]):
            xs: list[int] = []
            mid: list[float] = []
            low: list[float] = []
            high: list[float] = []
            for number, day in enumerate(days, start=1):
                totals = results.totals(metric.name, day)
                control, treatment = totals.get(plan.control, EMPTY), totals.get(arm, EMPTY)
                if control.n < 2 or treatment.n < 2:
                    continue
                if plan.method is Method.SEQUENTIAL:
                    effect = sequential(control, treatment, alpha, total_units)
                else:
                    effect = welch(control, treatment, alpha)
                if not all(map(math.isfinite, (effect.relative_low, effect.relative_high))):
                    continue
                xs.append(number)
                mid.append(effect.relative * 100)
                low.append(effect.relative_low * 100)
                high.append(effect.relative_high * 100)
            colour = COLOURS[index % len(COLOURS)]
            if xs:
                axes.fill_between(xs, low, high, color=colour, alpha=0.2)
                axes.plot(xs, mid, color=colour, marker="o", markersize=3, label=arm)
        axes.axhline(0, color="black", linewidth=0.8)
        for checkpoint in plan.checkpoints:  # where readouts are taken
            if checkpoint <= len(days):
                axes.axvline(checkpoint, color="grey", linestyle=":", linewidth=0.8)
        if role == "guardrail" and metric.margin:
            limit = -metric.margin * 100 if metric.higher_is_better else metric.margin * 100
            axes.axhline(limit, color="#c0392b", linestyle="--", linewidth=0.8, label="margin")
        axes.set_ylabel("lift vs control, %")
        axes.set_xlabel(f"day (day 1 is {first_day:%d %b %Y})", fontsize=8)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8, loc="upper left")
        axes.tick_params(axis="x", labelsize=8)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
