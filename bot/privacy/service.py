"""Which stored rows copy what people typed, and removing it while the facts stay.

Message text, here, is what someone typed that is not the team's record: an intake request's
words (the request itself stays: who asked, when, its label, owner and status), the copies of
them in work-queue tasks, the pipeline's (a task's Blocked reason, an asset's name, link, caption
and alt text, a channel variant's text: bot.privacy.pipeline_text), and Slack messages already
sent or given up on (outbox rows, which quote requests and reasons). Briefs, their decisions and
reasons, experiments and the audit trail's facts are the team's records and are kept: approvals
must stay explainable. (The intake model's copies, on disk, are bot.privacy.corrections.)

Each function works in the caller's transaction and returns what it changed, counted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    String,
    and_,
    cast,
    delete,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from bot.briefs.models import Away
from bot.digests.models import UserSetting
from bot.intake.models import IntakeRequest, IntakeStatus, TicketStatus
from bot.intake.service import CLASSIFY_TASK
from bot.privacy import pipeline_text
from bot.slack.blocks import escape
from bot.slack.models import OutboxMessage, OutboxStatus
from bot.tasks.models import Task, TaskStatus

# What an intake request's text becomes once removed (an empty text is never a request).
REMOVED = ""


@dataclass(frozen=True)
class Purged:
    """What the retention purge removed."""

    request_texts: int = 0
    tasks: int = 0
    outbox_rows: int = 0
    blocked_reasons: int = 0
    assets: int = 0
    variants: int = 0
    corrections: int = 0  # training examples in the intake model's files (bot.privacy.flows)
    # The intake words removed: their copies in the model's files go in the same unit of work.
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Held:
    """What the bot holds of one person that `/mops forget` removes."""

    request_texts: int = 0
    digest_setting: bool = False
    away_setting: bool = False
    delegate_for: tuple[str, ...] = ()  # people whose away setting names them as delegate
    outbox_rows: int = 0
    blocked_reasons: int = 0  # Blocked reasons they gave on pipeline tasks
    assets: int = 0  # drafts and links they attached, or whose alt text they wrote
    variants: int = 0  # channel variants whose text they edited
    corrections: int = 0  # their requests' words kept as the intake model's training examples
    words: tuple[str, ...] = ()  # the words that go (to find their copies: messages, model)

    @property
    def anything(self) -> bool:
        return bool(
            self.request_texts
            or self.digest_setting
            or self.away_setting
            or self.delegate_for
            or self.outbox_rows
            or self.blocked_reasons
            or self.assets
            or self.variants
            or self.corrections
        )

    def counts(self) -> dict[str, object]:
        """For the audit trail: how much, never which words."""
        return {
            "request_texts": self.request_texts,
            "digest_setting": self.digest_setting,
            "away_setting": self.away_setting,
            "delegate_for": list(self.delegate_for),
            "outbox_rows": self.outbox_rows,
            "blocked_reasons": self.blocked_reasons,
            "assets": self.assets,
            "variants": self.variants,
            "corrections": self.corrections,
        }


# -- the retention purge -------------------------------------------------------------------


def still_open() -> ColumnElement[bool]:
    """An intake request someone still works on: waiting for a label, or routed and not done.
    Its words are the work, so the purge waits until it is done."""
    return or_(
        IntakeRequest.status == IntakeStatus.AWAITING_CONFIRMATION,
        and_(IntakeRequest.label.is_not(None), IntakeRequest.ticket_status != TicketStatus.DONE),
    )


def purge_text_before(session: Session, cutoff: datetime) -> Purged:
    """Remove message text written before `cutoff`: closed intake requests' words, finished
    tasks (their payloads copy the words), the pipeline's words on briefs no one works on any
    more and Blocked reasons of tasks no longer blocked, and outbox rows no longer pending."""
    old = (
        IntakeRequest.received_at < cutoff,
        IntakeRequest.text != REMOVED,
        not_(still_open()),
    )
    words = tuple(session.scalars(select(IntakeRequest.text).where(*old)))
    texts = _changed(session, update(IntakeRequest).where(*old).values(text=REMOVED))
    pipeline = pipeline_text.Removed()
    pipeline_text.purge_blocked_reasons(session, cutoff, pipeline)
    pipeline_text.purge_assets(session, cutoff, pipeline)
    pipeline_text.purge_variants(session, cutoff, pipeline)
    tasks = _changed(
        session, delete(Task).where(Task.status != TaskStatus.PENDING, Task.created_at < cutoff)
    )
    rows = _changed(
        session,
        delete(OutboxMessage).where(
            OutboxMessage.status != OutboxStatus.PENDING, OutboxMessage.created_at < cutoff
        ),
    )
    return Purged(
        request_texts=texts,
        tasks=tasks,
        outbox_rows=rows,
        blocked_reasons=pipeline.blocked_reasons,
        assets=pipeline.assets,
        variants=pipeline.variants,
        words=words,
    )


def _changed(session: Session, statement: Executable) -> int:
    """Rows an UPDATE or DELETE changed (its result is a cursor result, which has the count)."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount


# -- one person ----------------------------------------------------------------------------


# Words shorter than this are not looked for in sent messages: "ok" would match too much.
QUOTED_AT_LEAST = 12
QUOTE_PREFIX = 60  # characters: messages quote long words cut short


def _needle(words: str) -> str:
    """How the words appear in a stored message payload: escaped for Slack, then JSON-encoded
    (SQLAlchemy's JSON serializer: non-ASCII and newlines as escapes), cut to a prefix."""
    return json.dumps(escape(words.strip()))[1:-1][:QUOTE_PREFIX]


def _mentions(user_id: str, quoted: Sequence[str] = ()) -> ColumnElement[bool]:
    """Outbox rows already sent or given up on whose payload names the person (their id appears
    in every message about them: mentions, DMs, quoted requests) or quotes words of theirs."""
    payload = cast(OutboxMessage.payload, String)
    needles = {_needle(w) for w in quoted if len(w.strip()) >= QUOTED_AT_LEAST}
    return and_(
        OutboxMessage.status != OutboxStatus.PENDING,
        or_(
            payload.contains(user_id),
            *(payload.contains(n, autoescape=True) for n in sorted(needles)),
        ),
    )


def _their_words(session: Session, user_id: str) -> tuple[str, ...]:
    return tuple(
        session.scalars(
            select(IntakeRequest.text).where(
                IntakeRequest.user_id == user_id, IntakeRequest.text != REMOVED
            )
        )
    )


def held(session: Session, user_id: str) -> Held:
    intake = _their_words(session, user_id)
    pipeline = pipeline_text.held(session, user_id)
    words = (*intake, *pipeline.words)
    delegate_for = session.scalars(
        select(Away.user_id).where(Away.delegate_id == user_id).order_by(Away.user_id)
    ).all()
    outbox_rows = session.scalars(select(OutboxMessage.id).where(_mentions(user_id, words))).all()
    return Held(
        request_texts=len(intake),
        digest_setting=session.get(UserSetting, user_id) is not None,
        away_setting=session.get(Away, user_id) is not None,
        delegate_for=tuple(delegate_for),
        outbox_rows=len(outbox_rows),
        blocked_reasons=pipeline.blocked_reasons,
        assets=pipeline.assets,
        variants=pipeline.variants,
        words=words,
    )


def forget(session: Session, user_id: str) -> Held:
    """Remove the person's intake words (open requests too: the ticket stays, without its
    words), their pipeline words (bot.privacy.pipeline_text), their digest and away settings,
    their name as anyone's delegate, the classify tasks of their requests and the sent messages
    naming them or quoting their words. Returns what was removed."""
    removed = held(session, user_id)
    outbox_rows = session.scalars(
        select(OutboxMessage.id).where(_mentions(user_id, removed.words))
    ).all()
    pipeline = pipeline_text.Removed()
    pipeline_text.forget_blocked_reasons(session, user_id, pipeline)
    pipeline_text.forget_assets(session, user_id, pipeline)
    pipeline_text.forget_variant_edits(session, user_id, pipeline)
    theirs = set(session.scalars(select(IntakeRequest.id).where(IntakeRequest.user_id == user_id)))
    session.execute(
        update(IntakeRequest).where(IntakeRequest.user_id == user_id).values(text=REMOVED)
    )
    # A classify task copies the words; one still pending would classify nothing: both go.
    for task in session.scalars(select(Task).where(Task.kind == CLASSIFY_TASK)):
        if task.payload.get("request_id") in theirs:
            session.delete(task)
    session.execute(delete(UserSetting).where(UserSetting.user_id == user_id))
    session.execute(delete(Away).where(Away.user_id == user_id))
    session.execute(update(Away).where(Away.delegate_id == user_id).values(delegate_id=None))
    session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(outbox_rows)))
    return removed
