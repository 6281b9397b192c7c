"""The brief's checklist in its thread: every stage's items, done or open, with a Tick button
for each item a person checks. Posted at each (re)submission and redrawn after every tick."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.briefs.lock import hold
from bot.briefs.models import Brief
from bot.pipeline.checklists.service import ItemState, brief_checklist, stage_words
from bot.slack import blocks
from bot.slack.actions import ActionId, ChecklistRef
from bot.slack.outbox import channel_of, enqueue, ts_of
from policies.schema import Policy

MAX_BUTTONS = 20  # per message; Slack allows 25 elements in an actions block


def message_key(brief: Brief) -> str:
    return f"checklist:{brief.id}:{brief.round}"


def checklist_blocks(policy: Policy, brief: Brief, items: list[ItemState]) -> list[dict]:
    lines: list[str] = []
    stage = None
    for state in items:
        if state.stage != stage:
            stage = state.stage
            lines.append(f"*{stage_words(policy, stage, heading=True)}*")
        mark = "✅" if state.done else ("⬜" if state.item.required else "▫️")
        optional = "" if state.item.required else " (optional)"
        how = f" by <@{state.ticked_by}>" if state.ticked_by else ""
        why = f": {state.open}" if state.open else how
        when = " (to enter)" if state.when == "entry" else ""
        lines.append(f"{mark} {blocks.escape(state.item.label)}{when}{optional}{why}")
    body = [blocks.section(blocks.fit("\n".join(lines), 3000)).to_dict()]
    tickable = [state for state in items if state.item.owner is not None and not state.done]
    ticks = [
        blocks.button(
            f"Tick: {state.item.label}",
            ActionId.CHECKLIST_TICK.numbered(n),  # ids are unique within a block
            ChecklistRef(brief.id, brief.round, state.stage, state.item.id).format(),
        )
        for n, state in enumerate(tickable[:MAX_BUTTONS])
    ]
    if ticks:
        body.append(blocks.actions(ticks).to_dict())
    return body


def _text(brief: Brief) -> str:
    return f"Checklist for brief #{brief.id}, round {brief.round}"


def _message(policy: Policy, brief: Brief, items: list[ItemState]) -> list[dict]:
    """The checklist message as posted and as redrawn: its head, then the items. The head states
    the rule when a ⬜ item is open; when none is, that nothing holds the brief back (the rule
    about a ⬜ item in a list without one reads as if something were missing)."""
    if any(state.item.required and not state.done for state in items):
        head = f"*{_text(brief)}*: a stage can't be left while a ⬜ item is open."
    else:
        head = f"*{_text(brief)}*: nothing required is open; ▫️ items are optional."
    return [blocks.section(head).to_dict(), *checklist_blocks(policy, brief, items)]


def post_checklist(session: Session, policy: Policy, brief: Brief, now: datetime) -> None:
    """The checklist of the round, in the thread (after the gate's notes); none when empty."""
    items = brief_checklist(session, policy, brief)
    if not items:
        return
    hold(session, brief.id)  # the thread's writer, before its outbox row: bot.briefs.lock
    enqueue(
        session,
        "chat.postMessage",
        {
            "channel": channel_of(brief.thread_key),
            "thread_ts": ts_of(brief.thread_key),
            "text": _text(brief),
            "blocks": _message(policy, brief, items),
            "unfurl_links": False,
        },
        ordering_key=brief.thread_key,
        message_key=message_key(brief),
    )


def refresh_checklist(session: Session, policy: Policy, brief: Brief) -> None:
    """The round's checklist message redrawn (a tick, an asset fixed, a variant accepted)."""
    items = brief_checklist(session, policy, brief)
    if not items:
        return
    key = message_key(brief)
    hold(session, brief.id)  # the thread's writer, before its outbox row: bot.briefs.lock
    enqueue(
        session,
        "chat.update",
        {
            "channel": channel_of(key),
            "ts": ts_of(key),
            "text": _text(brief),
            "blocks": _message(policy, brief, items),
        },
        ordering_key=brief.thread_key,
    )
