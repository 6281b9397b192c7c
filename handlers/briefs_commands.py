"""/brief: filled in by the brief workflow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App

from bot.blocks import ephemeral

if TYPE_CHECKING:
    from bot.runtime import Runtime

BRIEF_USAGE = "Usage: `/brief new` · `/brief list` · `/brief show ID` · `/brief cancel ID` · `/brief help`"


def register(app: App, runtime: Runtime) -> None:
    @app.command("/brief")
    def brief(ack: Ack, command: dict) -> None:
        ack(ephemeral(BRIEF_USAGE))
