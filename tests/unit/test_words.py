"""Lists in running text."""

from __future__ import annotations

import pytest

from bot.core.words import listed


@pytest.mark.parametrize(
    ("items", "text"),
    [
        ([], ""),
        (["X post"], "X post"),
        (["X post", "SMS"], "X post and SMS"),
        (["X post", "SMS", "LinkedIn post"], "X post, SMS and LinkedIn post"),
    ],
)
def test_a_list_reads_as_a_person_writes_it(items: list[str], text: str) -> None:
    assert listed(items) == text


def test_a_list_of_alternatives_reads_with_or() -> None:
    assert listed(["utm_source", "utm_medium", "utm_campaign"], "or") == (
        "utm_source, utm_medium or utm_campaign"
    )
