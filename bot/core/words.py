"""Lists in running text, as a person writes them."""

from __future__ import annotations

from collections.abc import Sequence


def listed(items: Sequence[str]) -> str:
    """'X post', 'X post and SMS', 'X post, SMS and LinkedIn post'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
