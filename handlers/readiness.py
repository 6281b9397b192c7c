"""What readies a brief for launch, in Slack: checklist ticks, drafts and links shared in its thread
and their details modal, and channel variants (`/brief variants ID`, Edit & accept)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.pipeline.assets import flows as asset_flows
from bot.pipeline.assets import forms as asset_forms
from bot.pipeline.checklists import flows as checklist_flows
from bot.pipeline.variants import flows as variant_flows
from bot.pipeline.variants import forms as variant_forms
from bot.slack.actions import ChecklistRef, RowRef
from handlers import clicks, submissions
from handlers.clicks import Click
from handlers.context import Asker, person_reply_in_thread

if TYPE_CHECKING:
    from bot.app.runtime import Runtime


@clicks.decides(ChecklistRef.parse)
def tick(click: Click[ChecklistRef]) -> None:
    """Tick: a person checks a checklist item in the brief's thread."""
    checklist_flows.tick(
        click.runtime.db,
        click.runtime.policy,
        ref=click.button,
        actor=click.actor,
        now=click.runtime.clock(),
        delivery_key=click.delivery_key,
        reply=click.reply,
    )


def files_shared(event: dict, runtime: Runtime, delivery_key: str | None) -> bool:
    """Files shared in a brief's thread become its assets; False when the thread isn't one."""
    thread_ts = person_reply_in_thread(event)
    if thread_ts is None:
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
        message_ts=event.get("ts"),
    )


def links_posted(event: dict, runtime: Runtime, delivery_key: str | None) -> bool:
    """Links a person posts in a brief's thread become its assets; False otherwise."""
    thread_ts = person_reply_in_thread(event)
    if thread_ts is None or event.get("subtype") or event.get("bot_id"):
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
        message_ts=event.get("ts"),
    )


def message_deleted(event: dict, runtime: Runtime) -> bool:
    """A reply deleted from a brief's thread: what it attached comes off the brief. False when
    the event is no such deletion."""
    before = event.get("previous_message") or {}
    thread_ts = before.get("thread_ts")
    if event.get("subtype") != "message_deleted" or not thread_ts:
        return False
    if thread_ts == event.get("deleted_ts"):
        return False  # a thread's parent, not a reply in it
    return asset_flows.message_deleted(
        runtime.db,
        runtime.policy,
        channel=event["channel"],
        thread_ts=thread_ts,
        message_ts=event["deleted_ts"],
        now=runtime.clock(),
    )


def file_deleted(event: dict, runtime: Runtime) -> None:
    """A file deleted in Slack (its menu's Delete file): it comes off any brief it was attached
    to. Slack says which file, not who deleted it, nor in which thread it was shared."""
    asset_flows.file_deleted(
        runtime.db, runtime.policy, file_id=str(event.get("file_id") or ""), now=runtime.clock()
    )


@clicks.opens_form(RowRef.parse)
def fix_details(click: Click[RowRef]) -> dict | None:
    """Fix details: the alt text and tags modal, for those who may change them."""
    return asset_flows.details_form(
        click.runtime.db,
        click.runtime.policy,
        asset_id=click.button.row_id,
        actor=click.actor,
        reply=click.reply,
        delivery_key=click.delivery_key,
    )


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
    """The master copy form: the variants are drafted from it."""
    _variant_form(
        variant_forms.MASTER, variant_flows.request_drafts, ack, view, runtime, asker, delivery_key
    )


@clicks.opens_form(RowRef.parse)
def edit_variant(click: Click[RowRef]) -> dict | None:
    """Edit & accept: the variant's text in a modal, for those who may accept it."""
    return variant_flows.edit_form(
        click.runtime.db,
        click.runtime.policy,
        variant_id=click.button.row_id,
        actor=click.actor,
        reply=click.reply,
        delivery_key=click.delivery_key,
    )


def variant_submitted(
    ack: Ack, view: dict, runtime: Runtime, asker: Asker, delivery_key: str | None
) -> None:
    """Edit & accept's form: the variant's text, accepted."""
    accept = partial(variant_flows.accept, user_name=runtime.user_names)  # who may, by name
    _variant_form(variant_forms.TEXT, accept, ack, view, runtime, asker, delivery_key)


def _variant_form(
    field: str,
    save: Callable[..., dict[str, str] | None],
    ack: Ack,
    view: dict,
    runtime: Runtime,
    asker: Asker,
    delivery_key: str | None,
) -> None:
    """Both variant forms: one text field read, then saved; a form the bot did not draw just
    closes, and what the flow says about the text stays on the field."""
    submitted = variant_forms.submitted(view, field)
    if submitted is None:
        ack()
        return
    errors = save(
        runtime.db,
        runtime.policy,
        submitted=submitted,
        actor=asker.actor,
        delivery_key=delivery_key,
        now=runtime.clock(),
    )
    submissions.answer(ack, errors)
