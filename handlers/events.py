"""Events API: messages (intake), mentions and App Home. Each event is acted on once (event_id)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.digests import home
from bot.slack.deliveries import claim_delivery, event_key
from bot.slack.outbox import enqueue
from handlers.context import actor_for

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    def on_home(body: dict, event: dict) -> None:
        if event.get("tab", "home") != "home":
            return
        actor = actor_for(runtime, event["user"])
        with runtime.db.transaction() as session:
            if claim_delivery(session, event_key(body), "event"):
                home.publish(session, runtime.policy, actor, runtime.clock())

    @app.event("app_mention")
    def on_mention(body: dict, event: dict) -> None:
        with runtime.db.transaction() as session:
            if claim_delivery(session, event_key(body), "event"):
                enqueue(
                    session,
                    "chat.postEphemeral",
                    {
                        "channel": event["channel"],
                        "user": event.get("user", ""),
                        "text": "Hi! Try `/brief new` to start a brief or `/mops help` to see what I do.",
                    },
                )

    from handlers import intake_events

    intake_events.register(app, runtime)
