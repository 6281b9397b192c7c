"""The modals: the master copy to draft variants from, and one variant to edit and accept."""

from __future__ import annotations

import json
from dataclasses import dataclass

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from bot.briefs import forms
from bot.briefs.models import Brief
from bot.core.words import listed
from bot.pipeline.readiness_models import Variant
from bot.slack.actions import ViewId
from policies.schema import Policy

MASTER, TEXT = "master", "text"
MAX_MASTER = 3000  # Slack's plain text input holds 3000


@dataclass(frozen=True)
class Submitted:
    row_id: int  # the brief (master form) or the variant (edit form)
    channel_id: str | None
    text: str


def master_form(policy: Policy, brief: Brief, channels: list[str], channel_id: str | None) -> dict:
    labels = listed([policy.variants.channels[name].label for name in channels])
    initial = str(brief.fields.get(policy.variants.master_field) or "")[:MAX_MASTER]
    view = View(
        type="modal",
        callback_id=ViewId.VARIANTS_DRAFT,
        title="Draft channel variants",
        submit="Draft",
        close="Cancel",
        private_metadata=json.dumps({"id": brief.id, "channel": channel_id}),
        blocks=[
            SectionBlock(text=f"I'll draft the {labels} from this copy, in the brief's thread."),
            InputBlock(
                block_id=MASTER,
                label="Master copy",
                element=PlainTextInputElement(
                    action_id=forms.ELEMENT_ID,
                    multiline=True,
                    max_length=MAX_MASTER,
                    initial_value=initial or None,
                ),
            ),
        ],
    )
    return view.to_dict()


def edit_form(policy: Policy, variant: Variant, channel_id: str | None) -> dict:
    channel = policy.variants.channels[variant.channel]
    view = View(
        type="modal",
        callback_id=ViewId.VARIANT_EDIT,
        title="Edit & accept"[:24],
        submit="Accept",
        close="Cancel",
        private_metadata=json.dumps({"id": variant.id, "channel": channel_id}),
        blocks=[
            InputBlock(
                block_id=TEXT,
                label=channel.label[:2000],
                hint=f"At most {channel.max_length} characters as {channel.label} counts them.",
                element=PlainTextInputElement(
                    action_id=forms.ELEMENT_ID,
                    multiline=True,
                    max_length=3000,
                    initial_value=variant.text[:3000],
                ),
            )
        ],
    )
    return view.to_dict()


def submitted(view: dict, block_id: str) -> Submitted | None:
    meta = forms.metadata(view)
    row_id = meta.get("id")
    if not isinstance(row_id, int):
        return None
    return Submitted(row_id, meta.get("channel"), forms.submitted_values(view).get(block_id) or "")
