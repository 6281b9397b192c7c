"""Placeholder module: listeners are added by the domains that need them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

if TYPE_CHECKING:
    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    return None
