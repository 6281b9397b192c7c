"""SQL expressions that read briefs and audit rows as plain columns, the same on both backends.

Bulk readers (flow metrics, digests) select these instead of ORM objects: a float of POSIX
seconds costs nothing to turn into numpy, where 100,000 aware datetimes cost a second.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_seconds(FunctionElement[float]):  # noqa: N801  (reads like the SQL function it is)
    """POSIX seconds of a UtcDateTime column (stored as UTC on both backends)."""

    type = Float()
    inherit_cache = True


class current_stage(FunctionElement[str]):  # noqa: N801
    """`stages[stage_index]` of a brief: its review stage, NULL outside review."""

    type = String()
    inherit_cache = True


@compiles(epoch_seconds, "postgresql")
def _epoch_pg(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return (
        f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"
    )


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # julianday keeps about 20 microseconds of precision at today's dates: plenty for hours.
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(current_stage, "postgresql")
def _stage_pg(element: current_stage, compiler: Any, **kw: Any) -> str:
    stages, index = (compiler.process(c, **kw) for c in element.clauses)
    return f"({stages} ->> {index})"


@compiles(current_stage, "sqlite")
def _stage_sqlite(element: current_stage, compiler: Any, **kw: Any) -> str:
    stages, index = (compiler.process(c, **kw) for c in element.clauses)
    return f"json_extract({stages}, '$[' || {index} || ']')"
