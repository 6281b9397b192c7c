"""Events API: messages (intake), mentions and App Home."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

if TYPE_CHECKING:
    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    @app.event("message")
    def on_message(event: dict) -> None:
        return None

    @app.event("app_mention")
    def on_mention(event: dict, say) -> None:  # type: ignore[no-untyped-def]
        return None

    @app.event("app_home_opened")
    def on_home(event: dict) -> None:
        return None
