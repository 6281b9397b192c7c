"""What `/mops forget` says: what will go and what stays, before; what went, after."""

from __future__ import annotations

from bot.privacy.service import Held
from bot.slack import blocks
from bot.slack.actions import ActionId, PersonRef

KEPT = (
    "Kept: briefs, decisions and their reasons, tasks and what is attached to briefs, and the "
    "audit trail of who did what and when (without the words above): the team's records of what "
    "was approved and why."
)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _items(user_id: str, held: Held) -> list[str]:
    person = blocks.user(user_id)
    lines = []
    if held.request_texts:
        lines.append(
            f"the words of {_plural(held.request_texts, 'intake request', 'intake requests')} "
            f"{person} made (each request stays: when, its label, who worked on it)"
        )
    if held.blocked_reasons:
        lines.append(
            f"the words of {_plural(held.blocked_reasons, 'reason', 'reasons')} they gave for a "
            "blocked task (each task stays, and who marked it blocked and when)"
        )
    if held.assets:
        lines.append(
            f"the file names, links, captions and alt text of "
            f"{_plural(held.assets, 'draft or link', 'drafts and links')} they attached or "
            "described (each stays on its brief as “(removed)”; its checks will ask again)"
        )
    if held.variants:
        lines.append(
            f"their edits to {_plural(held.variants, 'channel variant', 'channel variants')} "
            "(each goes back to my draft; on a brief not yet live it must be accepted again "
            "before it launches)"
        )
    if held.corrections:
        lines.append(
            f"{_plural(held.corrections, 'copy', 'copies')} of their requests' words kept to "
            "train the intake model"
        )
    if held.digest_setting:
        lines.append("their daily digest setting")
    if held.away_setting:
        lines.append("their away setting")
    if held.delegate_for:
        names = ", ".join(blocks.user(other) for other in held.delegate_for)
        lines.append(f"their name as delegate in the away setting of {names}")
    if held.outbox_rows:
        sent = _plural(held.outbox_rows, "message I sent that names", "messages I sent that name")
        lines.append(f"my copies (kept for troubleshooting) of {sent} them")
    return lines


def preview(user_id: str, held: Held) -> dict:
    """The ack of `/mops forget @person`: what goes, what stays, and the buttons to decide."""
    person = blocks.user(user_id)
    if not held.anything:
        text = f"I hold nothing of {person} to remove. {KEPT}"
        return blocks.ephemeral(text)
    items = "\n".join(f"• {line}" for line in _items(user_id, held))
    text = f"*Forget {person}?* This removes, for good:\n{items}\n{KEPT} This can't be undone."
    value = PersonRef(user_id).format()
    buttons = [
        blocks.button("Forget them", ActionId.PRIVACY_FORGET, value, style="danger"),
        blocks.button("Cancel", ActionId.PRIVACY_KEEP, value),
    ]
    return {
        **blocks.ephemeral(text),
        "blocks": blocks.to_dicts([blocks.section(text), blocks.actions(buttons)]),
    }


def forgotten(user_id: str, removed: Held) -> str:
    person = blocks.user(user_id)
    if not removed.anything:
        return f"There was nothing more of {person} to remove. {KEPT}"
    items = "\n".join(f"• {line}" for line in _items(user_id, removed))
    return f"Done: I removed, for {person}:\n{items}\nThe audit trail records that you asked."


KEPT_ALL = "Nothing was removed."
FILES_UNWRITABLE = (
    "Nothing was removed: I couldn't rewrite the intake model's files on the server, where "
    "copies of their words are kept. Ask whoever runs me to check that folder, then press "
    "*Forget them* again."
)
ONLY_OPS_ADMINS = "Only ops admins can make the bot forget a person."
FORGET_USAGE = (
    "Usage: `/mops forget @person` (ops admins): removes what they typed and their settings."
)
