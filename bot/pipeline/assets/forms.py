"""The small modal in which a person adds an image's alt text and corrects its tags."""

from __future__ import annotations

import json
from dataclasses import dataclass

from slack_sdk.models.blocks import InputBlock, Option, PlainTextInputElement, StaticSelectElement
from slack_sdk.models.views import View

from bot.briefs import forms
from bot.pipeline.assets.service import Details
from bot.pipeline.readiness_models import Asset
from bot.slack.actions import ViewId
from policies.schema import Policy

ALT, CHANNEL, FORMAT, CAMPAIGN = "alt_text", "channel", "format", "campaign"
MAX_ALT = 1000  # screen readers read more, but a description longer than this is a caption


@dataclass(frozen=True)
class Submitted:
    asset_id: int
    channel_id: str | None  # where the button was, for the answer
    details: Details


def details_form(policy: Policy, asset: Asset, channel_id: str | None) -> dict:
    tags = asset.tags or {}
    options = [
        Option(value=name, label=channel.label[:75])
        for name, channel in policy.variants.channels.items()
    ]
    chosen = next((o for o in options if o.value == tags.get("channel")), None)
    elements = [
        InputBlock(
            block_id=ALT,
            label="Alt text",
            hint="What the image shows, for people who can't see it. Leave empty for files.",
            optional=True,
            element=PlainTextInputElement(
                action_id=forms.ELEMENT_ID,
                multiline=True,
                max_length=MAX_ALT,
                initial_value=asset.alt_text or None,
            ),
        ),
        InputBlock(
            block_id=CHANNEL,
            label="Channel",
            optional=True,
            element=StaticSelectElement(
                action_id=forms.ELEMENT_ID, options=options, initial_option=chosen
            ),
        ),
        _text(FORMAT, "Format", str(tags.get("format") or ""), 40),
        _text(CAMPAIGN, "Campaign", str(tags.get("campaign") or ""), 80),
    ]
    view = View(
        type="modal",
        callback_id=ViewId.ASSET_DETAILS,
        title="Asset details",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"asset_id": asset.id, "channel": channel_id}),
        blocks=elements,
    )
    return view.to_dict()


def _text(block_id: str, label: str, value: str, limit: int) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        element=PlainTextInputElement(
            action_id=forms.ELEMENT_ID, max_length=limit, initial_value=value[:limit] or None
        ),
    )


def details_submitted(view: dict) -> Submitted | None:
    meta = forms.metadata(view)
    values = forms.submitted_values(view)
    asset_id = meta.get("asset_id")
    if not isinstance(asset_id, int):
        return None
    return Submitted(
        asset_id,
        meta.get("channel"),
        Details(
            alt_text=values.get(ALT),
            channel=values.get(CHANNEL),
            format=values.get(FORMAT) or "",
            campaign=values.get(CAMPAIGN) or "",
        ),
    )
