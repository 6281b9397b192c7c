"""Results files in, sufficient statistics out.

Two CSV shapes are read:
- one row per unit: an arm column, one column per metric (numbers; empty counts as 0), and an
  optional `date` column (YYYY-MM-DD, the day the unit entered the experiment);
- aggregated: `arm`, `date`, `users` (units that entered that day) and, per metric,
  `METRIC_sum` and `METRIC_sumsq` over those units.
Either way the result is Moments per (arm, day, metric) and units per (arm, day), so a readout
never needs the rows themselves. Errors name the line and column, in plain words.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.experiments.statistics import EMPTY, Moments

MAX_ERRORS_SHOWN = 5


class ResultsError(ValueError):
    """A results file that cannot be read; the message says where and why."""


@dataclass
class Results:
    """Units and per-metric Moments per arm and day (None: the file had no dates)."""

    units: dict[tuple[str, date | None], int] = field(default_factory=dict)
    moments: dict[tuple[str, date | None, str], Moments] = field(default_factory=dict)

    @property
    def arms(self) -> list[str]:
        return sorted({arm for arm, _ in self.units})

    @property
    def metrics(self) -> list[str]:
        return sorted({metric for _, _, metric in self.moments})

    @property
    def days(self) -> list[date]:
        return sorted({day for _, day in self.units if day is not None})

    def units_per_arm(self, until: date | None = None) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for (arm, day), n in self.units.items():
            if until is None or day is None or day <= until:
                totals[arm] += n
        return dict(totals)

    def totals(self, metric: str, until: date | None = None) -> dict[str, Moments]:
        """Moments per arm for `metric`, over every day up to `until` (inclusive)."""
        totals: dict[str, Moments] = defaultdict(lambda: EMPTY)
        for (arm, day, name), moments in self.moments.items():
            if name == metric and (until is None or day is None or day <= until):
                totals[arm] = totals[arm] + moments
        return dict(totals)

    def merge(self, other: Results) -> Results:
        """`other`'s (arm, day) cells replace this one's: a corrected day pushed again counts once."""
        replaced = set(other.units)
        units = {key: n for key, n in self.units.items() if key not in replaced}
        moments = {key: m for key, m in self.moments.items() if key[:2] not in replaced}
        units.update(other.units)
        moments.update(other.moments)
        return Results(units, moments)


def parse_csv(
    text: str,
    arm_column: str = "arm",
    metrics: Sequence[str] | None = None,
    day: date | None = None,
) -> Results:
    """Read either shape. `metrics` limits (and requires) the metric columns; `day` is the date
    for per-unit rows without a date column (None: undated)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = columns
    if arm_column not in columns:
        shown = ", ".join(columns[:10]) or "none"
        raise ResultsError(f"There is no `{arm_column}` column (the columns are: {shown}).")
    if "users" in columns:
        return _aggregated(reader, columns, arm_column, metrics)
    return _per_unit(reader, columns, arm_column, metrics, day)


def _per_unit(
    reader: csv.DictReader[str],
    columns: list[str],
    arm_column: str,
    metrics: Sequence[str] | None,
    day: date | None,
) -> Results:
    names = _metric_columns(columns, {arm_column, "date"}, metrics)
    values: dict[tuple[str, date | None], dict[str, list[float]]] = defaultdict(
        lambda: {name: [] for name in names}
    )
    errors: list[str] = []
    for line, row in enumerate(reader, start=2):
        arm = (row.get(arm_column) or "").strip()
        if not arm:
            errors.append(f"line {line}: the `{arm_column}` cell is empty")
            continue
        row_day = _date(row.get("date"), line, errors) if "date" in columns else day
        cell = values[(arm, row_day)]
        for name in names:
            cell[name].append(_number(row.get(name), line, name, errors))
    _raise(errors)
    results = Results()
    for (arm, row_day), cell in values.items():
        results.units[(arm, row_day)] = len(cell[names[0]])
        for name in names:
            results.moments[(arm, row_day, name)] = Moments.of(cell[name])
    return _nonempty(results)


def _aggregated(
    reader: csv.DictReader[str], columns: list[str], arm_column: str, metrics: Sequence[str] | None
) -> Results:
    found = [c.removesuffix("_sum") for c in columns if c.endswith("_sum")]
    names = list(metrics) if metrics else found
    missing = [
        f"`{name}{suffix}`"
        for name in names
        for suffix in ("_sum", "_sumsq")
        if f"{name}{suffix}" not in columns
    ]
    if "date" not in columns:
        missing.insert(0, "`date`")
    if missing or not names:
        raise ResultsError(
            "An aggregated file (it has a `users` column) needs `date` and, per metric, "
            f"METRIC_sum and METRIC_sumsq; missing: {', '.join(missing) or 'any metric'}."
        )
    results = Results()
    errors: list[str] = []
    for line, row in enumerate(reader, start=2):
        arm = (row.get(arm_column) or "").strip()
        row_day = _date(row.get("date"), line, errors)
        users = _number(row.get("users"), line, "users", errors)
        if not arm:
            errors.append(f"line {line}: the `{arm_column}` cell is empty")
            continue
        if users < 0 or users != int(users):
            errors.append(f"line {line}: `users` must be a whole number, not {users:g}")
            continue
        if (arm, row_day) in results.units:
            errors.append(f"line {line}: a second row for {arm} on {row_day}")
            continue
        results.units[(arm, row_day)] = int(users)
        for name in names:
            total = _number(row.get(f"{name}_sum"), line, f"{name}_sum", errors)
            total_sq = _number(row.get(f"{name}_sumsq"), line, f"{name}_sumsq", errors)
            results.moments[(arm, row_day, name)] = Moments(int(users), total, total_sq)
    _raise(errors)
    return _nonempty(results)


def _metric_columns(
    columns: list[str], reserved: set[str], metrics: Sequence[str] | None
) -> list[str]:
    if metrics:
        missing = [name for name in metrics if name not in columns]
        if missing:
            raise ResultsError(f"No column named {', '.join(f'`{m}`' for m in missing)}.")
        return list(metrics)
    names = [name for name in columns if name not in reserved and name]
    if not names:
        raise ResultsError("There is no metric column besides the arm and the date.")
    return names


def _number(cell: str | None, line: int, column: str, errors: list[str]) -> float:
    text = (cell or "").strip()
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        errors.append(f"line {line}: `{column}` is not a number ({text[:20]!r})")
        return 0.0
    if not math.isfinite(value):
        errors.append(f"line {line}: `{column}` is not a finite number")
        return 0.0
    return value


def _date(cell: str | None, line: int, errors: list[str]) -> date | None:
    text = (cell or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"line {line}: `date` is not a date like 2026-11-01 ({text[:20]!r})")
        return None


def _raise(errors: list[str]) -> None:
    if errors:
        more = len(errors) - MAX_ERRORS_SHOWN
        shown = "; ".join(errors[:MAX_ERRORS_SHOWN]) + (f"; and {more} more" if more > 0 else "")
        raise ResultsError(f"Nothing was read, the file has errors: {shown}.")


def _nonempty(results: Results) -> Results:
    if not results.units:
        raise ResultsError("The file has no rows.")
    return results
