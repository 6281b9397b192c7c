"""Modal submissions: the brief form, its edit-and-resubmit twin, and decision reasons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App

from bot.briefs import forms, service
from bot.briefs.workflow import Action
from bot.slack.deliveries import view_key
from handlers.context import actor_for, in_transaction, tell

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    @app.view(forms.BRIEF_FORM)
    def submit_brief(ack: Ack, body: dict, view: dict) -> None:
        meta = forms.metadata(view)
        user_id = body["user"]["id"]
        channel_id = meta.get("channel_id") or runtime.policy.channels.briefs
        result = in_transaction(
            runtime,
            lambda session: service.create(
                session,
                runtime.policy,
                requester_id=user_id,
                channel_id=channel_id,
                values=forms.submitted_values(view),
                now=runtime.clock(),
                delivery_key=view_key(body),
            ),
        )
        _finish_form(ack, runtime, user_id, channel_id, result)

    @app.view(forms.BRIEF_EDIT)
    def resubmit_brief(ack: Ack, body: dict, view: dict) -> None:
        meta = forms.metadata(view)
        user_id = body["user"]["id"]
        actor = actor_for(runtime, user_id)
        result = in_transaction(
            runtime,
            lambda session: service.resubmit(
                session,
                runtime.policy,
                brief_id=int(meta.get("brief_id", 0)),
                actor=actor,
                values=forms.submitted_values(view),
                now=runtime.clock(),
                delivery_key=view_key(body),
            ),
        )
        _finish_form(ack, runtime, user_id, meta.get("channel_id"), result)

    @app.view(forms.BRIEF_REASON)
    def submit_reason(ack: Ack, body: dict, view: dict) -> None:
        meta = forms.metadata(view)
        reason = (forms.submitted_values(view).get(forms.REASON_BLOCK) or "").strip()
        if not reason:
            ack(response_action="errors", errors={forms.REASON_BLOCK: "Please give a reason."})
            return
        actor = actor_for(runtime, body["user"]["id"])
        outcome = in_transaction(
            runtime,
            lambda session: service.decide(
                session,
                runtime.policy,
                brief_id=int(meta.get("brief_id", 0)),
                actor=actor,
                action=Action(meta.get("action")),
                reason=reason,
                expected_version=int(meta.get("version", 0)),
                now=runtime.clock(),
                delivery_key=view_key(body),
            ),
        )
        ack()
        if not outcome.ok and not outcome.duplicate:
            with runtime.db.transaction() as session:
                brief = service.find(session, outcome.brief_id or 0)
                channel = brief.channel_id if brief else None
            if channel:
                tell(runtime, channel=channel, user=body["user"]["id"], text=outcome.message)


def _finish_form(ack: Ack, runtime: Runtime, user_id: str, channel_id: str | None, result) -> None:  # type: ignore[no-untyped-def]
    if isinstance(result, service.FormErrors):
        ack(response_action="errors", errors=result.errors)
        return
    ack()
    if not result.ok and not result.duplicate and channel_id:
        tell(runtime, channel=channel_id, user=user_id, text=result.message)
