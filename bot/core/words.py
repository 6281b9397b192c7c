"""Lists in running text, as a person writes them."""

from __future__ import annotations

from collections.abc import Sequence


def listed(items: Sequence[str], conjunction: str = "and") -> str:
    """'X post', 'X post and SMS', 'X post, SMS and LinkedIn post' ('utm_source or utm_medium'
    with conjunction="or")."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
