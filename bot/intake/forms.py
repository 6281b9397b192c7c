"""The modal in which a person names the label of an intake request, and reading it back."""

from __future__ import annotations

import json
from dataclasses import dataclass

from slack_sdk.models.blocks import InputBlock, Option, StaticSelectElement
from slack_sdk.models.views import View

from bot.briefs import forms
from bot.intake import messages
from bot.slack.actions import ViewId, metadata_channel, metadata_id
from policies.intake_schema import OUT_OF_SCOPE, IntakeTaxonomy

LABEL_BLOCK = "label"


@dataclass(frozen=True)
class Relabel:
    """What a submitted relabel modal says: which request, the label, where it was asked."""

    request_id: int
    label: str
    channel: str | None


def relabel_form(routes: IntakeTaxonomy, *, request_id: int, channel: str | None) -> dict:
    options = [
        Option(value=label, label=messages.label_name(label, routes)[:75])
        for label in routes.labels
    ]
    options.append(Option(value=OUT_OF_SCOPE, label=messages.label_name(OUT_OF_SCOPE, routes)))
    view = View(
        type="modal",
        callback_id=ViewId.INTAKE_RELABEL,
        title="Label this request",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"request_id": request_id, "channel": channel}),
        blocks=[
            InputBlock(
                block_id=LABEL_BLOCK,
                label="What kind of request is it?",
                element=StaticSelectElement(action_id=forms.ELEMENT_ID, options=options),
            )
        ],
    )
    return view.to_dict()


def relabel_submitted(view: dict) -> Relabel:
    meta = forms.metadata(view)
    return Relabel(
        request_id=metadata_id(meta.get("request_id")) or 0,  # 0: no request, told so
        label=forms.submitted_values(view).get(LABEL_BLOCK) or "",
        channel=metadata_channel(meta.get("channel")),
    )
