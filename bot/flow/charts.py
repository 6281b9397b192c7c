"""The weekly digest's picture: cycle-time distributions per stage, as a PNG.

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
