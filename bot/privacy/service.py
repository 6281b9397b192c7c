"""Which stored rows copy what people typed, and removing it while the facts stay.

Message text, here, is what someone typed that is not the team's record: an intake request's
words (the request itself stays: who asked, when, its label, owner and status), the copies of
them in work-queue tasks, and Slack messages already sent or given up on (outbox rows, which
quote requests and reasons). Briefs, their decisions and reasons, experiments and the audit trail
are the team's records and are kept: approvals must stay explainable.

Each function works in the caller's transaction and returns what it changed, counted.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Held:
    """What the bot holds of one person that `/mops forget` removes."""

    request_texts: int = 0
    digest_setting: bool = False
    away_setting: bool = False
    delegate_for: tuple[str, ...] = ()  # people whose away setting names them as delegate
    outbox_rows: int = 0

    @property
    def anything(self) -> bool:
        return bool(
            self.request_texts
            or self.digest_setting
            or self.away_setting
            or self.delegate_for
            or self.outbox_rows
        )


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
    tasks (their payloads copy the words) and outbox rows no longer pending."""
    texts = _changed(
        session,
        update(IntakeRequest)
        .where(
            IntakeRequest.received_at < cutoff,
            IntakeRequest.text != REMOVED,
            not_(still_open()),
        )
        .values(text=REMOVED),
    )
    tasks = _changed(
        session, delete(Task).where(Task.status != TaskStatus.PENDING, Task.created_at < cutoff)
    )
    rows = _changed(
        session,
        delete(OutboxMessage).where(
            OutboxMessage.status != OutboxStatus.PENDING, OutboxMessage.created_at < cutoff
        ),
    )
    return Purged(texts, tasks, rows)


def _changed(session: Session, statement: Executable) -> int:
    """Rows an UPDATE or DELETE changed (its result is a cursor result, which has the count)."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount


# -- one person ----------------------------------------------------------------------------


def _mentions(user_id: str) -> ColumnElement[bool]:
    """Outbox rows already sent or given up on whose payload names the person (their id appears
    in every message about them: mentions, DMs, quoted requests)."""
    return and_(
        OutboxMessage.status != OutboxStatus.PENDING,
        cast(OutboxMessage.payload, String).contains(user_id),
    )


def held(session: Session, user_id: str) -> Held:
    requests = session.scalars(
        select(IntakeRequest.id).where(
            IntakeRequest.user_id == user_id, IntakeRequest.text != REMOVED
        )
    ).all()
    delegate_for = session.scalars(
        select(Away.user_id).where(Away.delegate_id == user_id).order_by(Away.user_id)
    ).all()
    outbox_rows = session.scalars(select(OutboxMessage.id).where(_mentions(user_id))).all()
    return Held(
        request_texts=len(requests),
        digest_setting=session.get(UserSetting, user_id) is not None,
        away_setting=session.get(Away, user_id) is not None,
        delegate_for=tuple(delegate_for),
        outbox_rows=len(outbox_rows),
    )


def forget(session: Session, user_id: str) -> Held:
    """Remove the person's intake words (open requests too: the ticket stays, without its
    words), their digest and away settings, their name as anyone's delegate, the classify
    tasks of their requests and the sent messages naming them. Returns what was removed."""
    removed = held(session, user_id)
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
    session.execute(delete(OutboxMessage).where(_mentions(user_id)))
    return removed
