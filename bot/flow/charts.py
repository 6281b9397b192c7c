"""The flow pictures as PNGs: the weekly cycle-time chart and the capacity forecast.

Drawn on a bare matplotlib Figure with the Agg canvas: no pyplot global state and no display, so
it is safe in a scheduler thread on a headless server.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from bot.flow.forecast import StageOutlook
from bot.flow.metrics import Distribution, FlowMetrics

LOG_SCALE_SPREAD = 30  # max / smallest positive value beyond which a linear axis hides the bulk
SMALLEST_SHOWN = 0.05  # hours; zero-length stays sit here on a log axis
# `orientation` replaced `vert` in matplotlib 3.10; the project still allows 3.8.
_MPL = tuple(int(part) for part in matplotlib.__version__.split(".")[:2])
HORIZONTAL = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}


def cycle_time_chart_png(metrics: FlowMetrics, labels: Mapping[str, str] | None = None) -> bytes:
    """One horizontal box per stage (and end to end): the box spans p25-p75, whiskers reach the
    minimum and maximum, a bar marks p50 and a diamond p90; the figures are written beside it."""
    labels = labels or {}
    rows = [
        (labels.get(name, name), stage.cycle)
        for name, stage in metrics.stages.items()
        if stage.cycle.count
    ]
    if metrics.end_to_end.count:
        rows.append(("End to end", metrics.end_to_end))
    rows.reverse()  # matplotlib draws the first row at the bottom; read top-down in stage order

    figure = Figure(figsize=(9, 1.6 + 0.75 * max(len(rows), 1)), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    period = f"{metrics.window_start:%d %b} – {metrics.now:%d %b %Y}"
    axes.set_title(f"Cycle time per review stage, {period}", loc="left", fontsize=12)
    if not rows:
        axes.text(
            0.5,
            0.5,
            "No review finished in this period",
            ha="center",
            va="center",
            fontsize=12,
            transform=axes.transAxes,
        )
        axes.set_axis_off()
        return _png(figure)

    samples = [row[1].samples for row in rows]
    log_scale = _needs_log_scale(samples)
    if log_scale:
        samples = [np.maximum(values, SMALLEST_SHOWN) for values in samples]
    positions = np.arange(1, len(rows) + 1)
    axes.boxplot(
        samples,
        positions=positions,
        **HORIZONTAL,
        whis=(0, 100),
        showfliers=False,
        widths=0.5,
        patch_artist=True,
        boxprops={"facecolor": "#cfe3f5"},
        medianprops={"color": "#1f4e79", "linewidth": 2},
    )
    p90 = [max(row[1].p90, SMALLEST_SHOWN) if log_scale else row[1].p90 for row in rows]
    axes.scatter(p90, positions, marker="D", color="#c0392b", zorder=3)
    for position, (_, dist) in zip(positions, rows, strict=True):
        axes.annotate(
            _caption(dist),
            (1.01, position),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=9,
        )
    axes.set_yticks(positions, [row[0] for row in rows])
    if log_scale:
        axes.set_xscale("log")
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.set_xlabel(f"time in review, {metrics.unit}" + (" (log scale)" if log_scale else ""))
    axes.grid(axis="x", alpha=0.3)
    figure.legend(
        handles=[
            Line2D([], [], color="#1f4e79", linewidth=2, label="p50"),
            Line2D([], [], color="#c0392b", marker="D", linestyle="", label="p90"),
        ],
        loc="outside upper right",
        ncols=2,
        fontsize=8,
        frameon=False,
    )
    return _png(figure)


def _needs_log_scale(samples: list[np.ndarray]) -> bool:
    values = np.concatenate(samples)
    positive = values[values > 0]
    return positive.size > 0 and float(values.max()) / float(positive.min()) > LOG_SCALE_SPREAD


def _caption(dist: Distribution) -> str:
    return f"p50 {dist.p50:.1f} · p90 {dist.p90:.1f}\nmax {dist.max:.1f} · n={dist.count:,}"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def capacity_chart_png(
    now: list[StageOutlook],
    what_if: list[StageOutlook] | None,
    labels: Mapping[str, str],
    *,
    max_breach: float,
) -> bytes:
    """Two panels per stage: the expected queue (briefs in the stage: waiting plus being decided)
    and the chance a brief runs past its SLA, today's history beside the what-if. A stage whose
    queue would grow without end is drawn at the top of the axis and marked "grows"."""
    names = [labels.get(outlook.name, outlook.name) for outlook in now]
    series = [("history", now, "#9dbcd9")]
    if what_if is not None:
        series.append(("what-if", what_if, "#c0392b"))
    figure = Figure(figsize=(9, 3.6), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    queue_axes, breach_axes = figure.subplots(1, 2)
    width = 0.8 / len(series)
    positions = np.arange(len(names))
    queue_top = 1.0
    for _, outlooks, _ in series:
        for outlook in outlooks:
            if outlook.forecast is not None and outlook.forecast.mean_hours is not None:
                queue_top = max(queue_top, _expected_in_stage(outlook))
    queue_top *= 1.25
    for index, (label, outlooks, colour) in enumerate(series):
        offsets = positions - 0.4 + width * (index + 0.5)
        queues, breaches = [], []
        for outlook in outlooks:
            result = outlook.forecast
            if result is None:
                queues.append(0.0)
                breaches.append(0.0)
            elif not result.stable:
                queues.append(queue_top)
                breaches.append(1.0)
            else:
                queues.append(_expected_in_stage(outlook))
                breaches.append(result.breach_probability or 0.0)
        grows = [o.forecast is not None and not o.forecast.stable for o in outlooks]
        hatches = ["//" if grown else "" for grown in grows]  # no steady height: hatched
        queue_axes.bar(offsets, queues, width, color=colour, label=label, hatch=hatches)
        breach_axes.bar(offsets, breaches, width, color=colour, label=label, hatch=hatches)
        for offset, grown in zip(offsets, grows, strict=True):
            if grown:
                queue_axes.annotate(
                    "grows", (offset, queue_top), ha="center", va="bottom", fontsize=8
                )
    for position, outlook in zip(positions, now, strict=True):
        if outlook.forecast is None:
            queue_axes.annotate("no data", (position, 0), ha="center", va="bottom", fontsize=8)
    queue_axes.set_title("Briefs in the stage (average)", loc="left", fontsize=11)
    queue_axes.set_ylim(0, queue_top * 1.12)
    breach_axes.set_title("Chance a brief runs past its SLA", loc="left", fontsize=11)
    breach_axes.set_ylim(0, 1.05)
    breach_axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0%}"))
    breach_axes.axhline(max_breach, color="#555555", linestyle="--", linewidth=1)
    breach_axes.annotate(
        f"target {max_breach:.0%}",
        (1.0, max_breach),
        xycoords=("axes fraction", "data"),
        ha="right",
        va="bottom",
        fontsize=8,
    )
    for axes in (queue_axes, breach_axes):
        axes.set_xticks(positions, names)
        axes.grid(axis="y", alpha=0.3)
    if len(series) > 1:
        breach_axes.legend(fontsize=8, frameon=False)
    return _png(figure)


def _expected_in_stage(outlook: StageOutlook) -> float:
    """Little's law: briefs in the stage = arrivals per hour x hours in the stage."""
    result = outlook.forecast
    assert result is not None and result.mean_hours is not None
    return result.load.arrivals_per_hour * result.mean_hours
