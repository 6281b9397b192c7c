"""Checks across a model's items (duplicate names, a setting that needs another) that run even when
some item is invalid, so that every error in a file is reported in one run.

pydantic runs a model's `after` validators only once all its fields are valid: a duplicate stage
name used to be reported only after the stages' other errors were fixed. A check here reads the
raw input instead, from a `wrap` validator, and its problems are reported beside the field errors.

    @model_validator(mode="wrap")
    @classmethod
    def _checks(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return cross_checked(cls.__name__, data, handler, duplicate_stage_names)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_core import InitErrorDetails

Where = tuple[str | int, ...]
Problem = tuple[Where, str]  # where, relative to the model being validated; the message
Model = TypeVar("Model")


def cross_checked(
    title: str, data: Any, handler: Callable[[Any], Model], *checks: Callable[[Any], list[Problem]]
) -> Model:
    """`handler(data)`, with the problems `checks` find in the raw `data` raised beside (or
    instead of) the field errors."""
    problems = [problem for check in checks for problem in check(data)]
    try:
        model = handler(data)
    except ValidationError as exc:
        if not problems:
            raise
        raise _error(exc.title, _details(exc), problems, data) from None
    if problems:
        raise _error(title, [], problems, data)
    return model


def items(data: Any, key: str) -> list[dict[str, Any]]:
    """The mappings in the list `data[key]`, skipping anything else (reported by the fields)."""
    found = data.get(key) if isinstance(data, dict) else None
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def duplicates(values: list[Any]) -> list[str]:
    return sorted({str(v) for v in values if isinstance(v, str) and values.count(v) > 1})


def _details(exc: ValidationError) -> list[InitErrorDetails]:
    details = []
    for error in exc.errors():
        detail = InitErrorDetails(type=error["type"], loc=error["loc"], input=error["input"])
        if "ctx" in error:
            detail["ctx"] = error["ctx"]
        details.append(detail)
    return details


def _error(
    title: str, details: list[InitErrorDetails], problems: list[Problem], data: Any
) -> ValidationError:
    for where, message in problems:
        details.append(
            InitErrorDetails(
                type="value_error", loc=where, input=data, ctx={"error": ValueError(message)}
            )
        )
    return ValidationError.from_exception_data(title, details)
