"""The audit events of checklists, assets and variants on a brief: recorded at the brief's state
and stage, and said in plain words in its history (`/brief show`): "ticked *Legal disclaimer
present*", not `checklist_tick`. `describe` is wired in by bot.app.wiring."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.slack.blocks import escape
from policies.schema import Policy

ASSET_CHECKED = "asset_checked"  # a draft or link checked, with the problems found (maybe none)
ASSET_REMOVED = "asset_removed"  # off the brief: its message, or its file, deleted in Slack
FILE_DELETED = "file_deleted"  # an asset_removed's `why` when the file itself was deleted
CHECK_WORDS = {
    "file_name": "file name",
    "alt_text": "alt text",
    "size": "image size",
    "utm": "UTM tags",
    "caption": "caption",
}


def record(
    session: Session,
    policy: Policy,
    brief: Brief,
    actor_id: str,
    action: str,
    now: datetime,
    detail: dict[str, Any],
    stage: str | None = None,
) -> None:
    audit.record(
        session,
        brief_id=brief.id,
        actor_id=actor_id,
        action=action,
        from_state=brief.state,
        to_state=brief.state,
        stage=stage or brief.stage,
        round=brief.round,
        policy_version=policy.version,
        template_version=brief.template_version,
        at=now,
        detail=detail,
    )


def describe(policy: Policy, event: AuditEvent) -> str | None:
    detail = event.detail or {}
    if event.action == "checklist_tick":
        return f"ticked *{escape(str(detail.get('label') or detail.get('item')))}*"
    if event.action == "asset_attached":
        return f"attached {escape(str(detail.get('name')))}"
    if event.action == ASSET_CHECKED:
        problems = [CHECK_WORDS.get(str(p), str(p)) for p in detail.get("problems") or []]
        if not problems:
            return "checked an attachment: nothing is missing"
        return f"checked an attachment: to fix: {', '.join(problems)}"
    if event.action == ASSET_REMOVED:
        if detail.get("why") == FILE_DELETED:
            return "an attachment came off the brief: its file was deleted in Slack"
        return "an attachment came off the brief: the message that shared it was deleted"
    if event.action == "asset_details":
        return f"changed the alt text or tags of {escape(str(detail.get('name')))}"
    if event.action == "variants_drafted":
        return f"asked for channel variants: {_labels(policy, detail.get('channels') or [])}"
    if event.action == "variant_accepted":
        edited = " (edited)" if detail.get("edited") else ""
        return f"accepted the {_labels(policy, [detail.get('channel')])} variant{edited}"
    return None


def _labels(policy: Policy, names: list) -> str:
    found = [policy.variants.channels.get(str(name)) for name in names]
    return ", ".join(c.label if c else str(n) for c, n in zip(found, names, strict=True))
