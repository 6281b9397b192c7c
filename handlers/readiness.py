"""What readies a brief for launch, in Slack: checklist ticks, drafts and links shared in its thread
and their details modal, and channel variants (`/brief variants ID`, Edit & accept)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.pipeline.assets import flows as asset_flows
from bot.pipeline.assets import forms as asset_forms
from bot.pipeline.checklists import flows as checklist_flows
from bot.pipeline.variants import flows as variant_flows
from bot.pipeline.variants import forms as variant_forms
from bot.slack.actions import ChecklistRef, RowRef
from handlers.context import Asker, clicked, open_modal, reply_to

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


def tick(
    ack: Ack, action: dict, body: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    """Tick: a person checks a checklist item in the brief's thread."""
    ack()
    ref = clicked(ChecklistRef.parse, action, body, runtime, delivery_key)
    if ref is None:
        return
    checklist_flows.tick(
        runtime.db,
        runtime.policy,
        ref=ref,
        actor=asker.actor,
        now=runtime.clock(),
        delivery_key=delivery_key,
        reply=reply_to(body),
    )


def files_shared(event: dict, runtime: Runtime, delivery_key: str | None) -> bool:
    """Files shared in a brief's thread become its assets; False when the thread isn't one."""
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts") or not event.get("user"):
        return False
    return asset_flows.receive_files(
        runtime.db,
        runtime.policy,
        channel=event["channel"],
        thread_ts=thread_ts,
        user_id=event["user"],
        files=list(event.get("files") or []),
        caption=event.get("text") or "",
        delivery_key=delivery_key,
        now=runtime.clock(),
    )


def links_posted(event: dict, runtime: Runtime, delivery_key: str | None) -> bool:
    """Links a person posts in a brief's thread become its assets; False otherwise."""
    thread_ts = event.get("thread_ts")
    if (
        not thread_ts
        or thread_ts == event.get("ts")
        or not event.get("user")
        or event.get("subtype")
        or event.get("bot_id")
    ):
        return False
    return asset_flows.receive_links(
        runtime.db,
        runtime.policy,
        channel=event["channel"],
        thread_ts=thread_ts,
        user_id=event["user"],
        text=event.get("text") or "",
        delivery_key=delivery_key,
        now=runtime.clock(),
    )


def fix_details(
    ack: Ack,
    action: dict,
    body: dict,
    client: WebClient,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> None:
    """Fix details: the alt text and tags modal, for those who may change them."""
    ack()
    ref = clicked(RowRef.parse, action, body, runtime, delivery_key)
    if ref is None:
        return
    view = asset_flows.details_form(
        runtime.db,
        runtime.policy,
        asset_id=ref.row_id,
        actor=asker.actor,
        reply=reply_to(body),
        delivery_key=delivery_key,
    )
    if view is not None:
        open_modal(client, body, view, runtime, delivery_key)


def details_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    ack()
    submitted = asset_forms.details_submitted(view)
    if submitted is None:
        return
    asset_flows.save_details(
        runtime.db,
        runtime.policy,
        submitted=submitted,
        actor=asker.actor,
        delivery_key=delivery_key,
        now=runtime.clock(),
    )


def variants_command(
    brief_id: int, command: dict, client: WebClient, runtime: Runtime, asker: Asker
) -> str | None:
    """`/brief variants ID`: the master copy form, or why not (the answer, said at once)."""
    form = variant_flows.master_form(
        runtime.db,
        runtime.policy,
        brief_id=brief_id,
        actor=asker.actor,
        channel_id=command.get("channel_id"),
    )
    if isinstance(form, str):
        return form
    client.views_open(trigger_id=command["trigger_id"], view=form)
    return None


def master_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    submitted = variant_forms.submitted(view, variant_forms.MASTER)
    if submitted is None:
        ack()
        return
    errors = variant_flows.request_drafts(
        runtime.db,
        runtime.policy,
        submitted=submitted,
        actor=asker.actor,
        delivery_key=delivery_key,
        now=runtime.clock(),
    )
    _answer(ack, errors)


def edit_variant(
    ack: Ack,
    action: dict,
    body: dict,
    client: WebClient,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> None:
    """Edit & accept: the variant's text in a modal, for those who may accept it."""
    ack()
    ref = clicked(RowRef.parse, action, body, runtime, delivery_key)
    if ref is None:
        return
    view = variant_flows.edit_form(
        runtime.db,
        runtime.policy,
        variant_id=ref.row_id,
        actor=asker.actor,
        reply=reply_to(body),
        delivery_key=delivery_key,
    )
    if view is not None:
        open_modal(client, body, view, runtime, delivery_key)


def variant_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    submitted = variant_forms.submitted(view, variant_forms.TEXT)
    if submitted is None:
        ack()
        return
    errors = variant_flows.accept(
        runtime.db,
        runtime.policy,
        submitted=submitted,
        actor=asker.actor,
        delivery_key=delivery_key,
        now=runtime.clock(),
    )
    _answer(ack, errors)


def _answer(ack: Ack, errors: dict[str, str] | None) -> None:
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()
