"""`/brief show ID` and `/brief list`: what people read about briefs, worded for them.

The full view has every field in full, where the brief stands (stage, who it waits on, and the
lines other domains add: its SLA's due time and state), and its history in plain words with
times in the reader's own time zone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.briefs import details, history, messages, reactions, service
from bot.briefs.models import Brief
from bot.briefs.service import Actor
from bot.briefs.workflow import BriefState
from bot.slack import blocks
from bot.slack.blocks import escape
from policies import access
from policies.schema import Policy

LISTED = 25  # briefs per list; the newest first
# Characters of fields in `/brief show`: Slack refuses a message over 40,000 (escaping can
# multiply a field's length by five), and the status and history need room too.
FIELDS_BUDGET = 30_000
HISTORY_SHOWN = 40  # the latest events; each line is at most ~700 characters
CLOSED = (BriefState.REJECTED, BriefState.CANCELLED, BriefState.LIVE)
LIST_USAGE = (
    "Usage: `/brief list` (yours and the ones waiting on you) · `/brief list mine` · "
    "`/brief list waiting` · `/brief list all` (ops admins)"
)


def full_view(session: Session, policy: Policy, brief: Brief, now: datetime) -> str:
    """Every field, where the brief stands, and its history. A brief too long for one Slack
    message (40,000 characters) has its fields shortened here, saying where the rest is."""
    fields, _ = details.field_lines(policy, brief, None)
    if sum(len(line) for line in fields) > FIELDS_BUDGET:
        fields, _ = details.field_lines(policy, brief, FIELDS_BUDGET // max(len(fields), 1) // 5)
        fields.append(
            "_Long fields are shortened here (…): *Show full brief* on the brief's message has "
            "every word._"
        )
    lines = [
        f"*Brief #{brief.id}: {escape(brief.title)}*",
        *fields,
        "",
        f"*Status:* {standing(policy, brief)} · round {brief.round} · requested by "
        f"{blocks.user(brief.requester_id)}",
        *reactions.standing(session, policy, brief, now),
        "",
        "*History*",
        *_history(session, policy, brief),
    ]
    return "\n".join(lines)


def _history(session: Session, policy: Policy, brief: Brief) -> list[str]:
    events = audit.trail(session, brief.id)
    shown = [history.line(policy, event) for event in events[-HISTORY_SHOWN:]]
    earlier = len(events) - len(shown)
    if earlier:
        shown.insert(
            0, f"_{earlier} earlier events are in the audit export (`mopsbot audit export`)._"
        )
    return shown


def standing(policy: Policy, brief: Brief) -> str:
    """ "in review (stage 2 of 2), waiting on @legal-team for *Legal*"."""
    words = messages.state_words(brief)
    if brief.state == BriefState.IN_REVIEW and brief.stage and brief.stage_index is not None:
        return (
            f"{words} (stage {brief.stage_index + 1} of {len(brief.stages)}), waiting on "
            f"{messages.waiting_phrase(policy, brief, mention=False)}"
        )
    if brief.state in (BriefState.CHANGES_REQUESTED, BriefState.DRAFT):
        return f"{words}, waiting on {messages.waiting_on(policy, brief)}"
    return words


def listing(session: Session, policy: Policy, actor: Actor, which: str | None) -> str:
    """`/brief list [mine|waiting|all]`."""
    if which == "all":
        if not access.is_ops_admin(policy, actor.user_id, set(actor.group_ids)):
            return f"Only ops admins can list every brief. {LIST_USAGE}"
        every = _briefs(session, Brief.state.not_in(CLOSED))
        return "\n".join(
            [f"*Open briefs ({len(every)}{'+' if len(every) == LISTED else ''})*"]
            + ([_line(policy, b) for b in every] or ["_none_"])
        )
    mine, waiting = service.briefs_of(session, policy, actor, LISTED)
    parts: list[str] = []
    if which in (None, "mine"):
        if which == "mine":  # closed ones too: the whole record of what they asked for
            mine = _briefs(session, Brief.requester_id == actor.user_id)
        title = "*Your briefs*" if which == "mine" else "*Your open briefs*"
        parts += [title] + ([_line(policy, b) for b in mine] or ["_none_"])
    if which in (None, "waiting"):
        parts += ["*Waiting on you*"] + ([_line(policy, b) for b in waiting] or ["_nothing_"])
    return "\n".join(parts)


def _briefs(session: Session, *where: ColumnElement[bool]) -> list[Brief]:
    return list(
        session.scalars(select(Brief).where(*where).order_by(Brief.id.desc()).limit(LISTED))
    )


def _line(policy: Policy, brief: Brief) -> str:
    return (
        f"• #{brief.id} {escape(brief.title)}: {standing(policy, brief)} · since "
        f"{blocks.local_time(brief.stage_entered_at, '{date_short_pretty}')}"
    )
