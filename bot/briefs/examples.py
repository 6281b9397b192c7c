"""A valid brief for whatever the template asks: for benchmarks, tests and demos."""

from __future__ import annotations

from policies.schema import Template


def example_values(
    template: Template, *, required_only: bool = False, **overrides: str
) -> dict[str, str]:
    values: dict[str, str] = {}
    for field in template.fields:
        if required_only and not field.required and field.id not in overrides:
            continue
        if field.type == "select":
            values[field.id] = (field.choices or [""])[0]
        elif field.type == "date":
            values[field.id] = "2027-03-01"
        elif field.type == "number":
            values[field.id] = "2500"
        elif field.type == "url":
            values[field.id] = "https://example.com/spring"
        elif field.type == "user":
            values[field.id] = "U01RITA"
        else:
            values[field.id] = f"Spring launch {field.label.lower()}"
    values.update(overrides)
    return values
