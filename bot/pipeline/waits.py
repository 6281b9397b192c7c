"""What a brief waited on besides its approvers and its tasks, read off the audit trail: assets
that needed a fix, and checklist items a person must tick. Each wait names who can end it.

- An asset waits from the check that found something missing (`asset_checked` with problems)
  until a check finds nothing (after *Fix details*), or until its brief ends.
- A required `assets_attached` item waits from the moment its brief entered the stage it holds
  until something is attached.
- A required item a person ticks waits from the moment its brief entered the stage it holds
  (an exit item: that stage; an entry item: the stage before; a launch item: from approval)
  until it is ticked, or the brief leaves that stage another way.

For the figures (bot.pipeline.figures), the digest's "waiting on whom" and the bottleneck.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.audit.models import AuditEvent
from bot.briefs.models import Brief
from bot.briefs.workflow import BriefState
from bot.pipeline.checklists.service import checklists_for
from bot.pipeline.events import ASSET_CHECKED, ASSET_REMOVED
from bot.pipeline.models import OPEN_STATUSES as OPEN_STATUSES_OF_TASKS
from bot.pipeline.models import PipelineTask, WorkStatus
from bot.pipeline.readiness_models import Asset
from policies.checklists import LAUNCH, REQUESTER, Checklists, Item
from policies.schema import Policy
from policies.yaml_files import PolicyError

ASSET, CHECKLIST = "asset", "checklist"
CHECKED = ASSET_CHECKED
MOVES = ("submit", "resubmit", "approve", "request_changes", "reject", "cancel", "go_live")
ENDS = ("reject", "cancel", "go_live")
OPEN_STATES = (BriefState.IN_REVIEW, BriefState.APPROVED, BriefState.SCHEDULED)


@dataclass(frozen=True)
class Wait:
    kind: str  # ASSET | CHECKLIST
    brief_id: int
    what: str  # the asset's name or the item's label
    who: str  # a user id or a group ref ("@legal-team"): who can end it
    since: datetime
    until: datetime | None  # None while it still waits
    detail: str = ""  # an asset's problems ("alt_text, utm")


@dataclass(frozen=True)
class _Stay:
    stage: str
    round: int
    entered: datetime
    left: datetime | None


def waits(session: Session, policy: Policy, *, since: datetime, now: datetime) -> list[Wait]:
    """Every wait that was still going at `since` or began after it, up to `now`: those of
    briefs moved inside the window and of briefs still open."""
    touched = select(AuditEvent.brief_id).where(AuditEvent.at >= since, AuditEvent.at <= now)
    still_open = select(Brief.id).where(Brief.state.in_(OPEN_STATES))
    rows = list(
        session.scalars(
            select(AuditEvent)
            .where(
                or_(AuditEvent.brief_id.in_(touched), AuditEvent.brief_id.in_(still_open)),
                AuditEvent.action.in_(
                    (*MOVES, CHECKED, ASSET_REMOVED, "checklist_tick", "asset_attached")
                ),
                AuditEvent.at <= now,
            )
            .order_by(AuditEvent.brief_id, AuditEvent.at, AuditEvent.id)
        )
    )
    by_brief: dict[int, list[AuditEvent]] = defaultdict(list)
    for row in rows:
        if row.brief_id is not None:
            by_brief[row.brief_id].append(row)
    briefs = {
        brief.id: brief
        for brief in session.scalars(select(Brief).where(Brief.id.in_(list(by_brief))))
    }
    checked = {int((row.detail or {}).get("asset") or 0) for row in rows if row.action == CHECKED}
    names: dict[int, str] = {
        asset_id: name
        for asset_id, name in session.execute(
            select(Asset.id, Asset.name).where(Asset.id.in_(checked))
        )
    }
    template = _template(policy)
    found: list[Wait] = []
    for brief_id, events in by_brief.items():
        brief = briefs.get(brief_id)
        if brief is None:
            continue
        found += _asset_waits(brief, events, names)
        if template is not None:
            found += _checklist_waits(brief, events, template)
    return [w for w in found if w.until is None or w.until > since]


def _asset_waits(
    brief: Brief, events: list[AuditEvent], names: Mapping[int, str] | None = None
) -> list[Wait]:
    """The asset's name comes from its row (`names` by id): the trail keeps no words."""
    open_: dict[int, Wait] = {}
    found: list[Wait] = []
    for event in events:
        detail = event.detail or {}
        if event.action in ENDS:
            found += [_close(w, event.at) for w in open_.values()]
            open_.clear()
        removed = int(detail.get("asset") or 0) if event.action == ASSET_REMOVED else None
        if removed in open_:  # its message was deleted: nothing is waited for any more
            found.append(_close(open_.pop(removed), event.at))
        if event.action != CHECKED:
            continue
        key = int(detail.get("asset") or 0)
        problems = [str(p) for p in detail.get("problems") or []]
        if problems and key not in open_:
            open_[key] = Wait(
                ASSET,
                brief.id,
                (names or {}).get(key, "an attachment"),
                str(detail.get("posted_by") or event.actor_id),
                event.at,
                None,
                ", ".join(problems),
            )
        elif not problems and key in open_:
            found.append(_close(open_.pop(key), event.at))
    return found + list(open_.values())


def _checklist_waits(brief: Brief, events: list[AuditEvent], template: Checklists) -> list[Wait]:
    ticks: dict[tuple[int, str, str], datetime] = {}
    attached: list[datetime] = []
    for event in events:
        if event.action == "checklist_tick":
            ticked = str((event.detail or {}).get("item"))
            ticks.setdefault((event.round or 0, event.stage or "", ticked), event.at)
        elif event.action == "asset_attached":
            attached.append(event.at)
    found: list[Wait] = []
    for stay in _stays(brief, events):
        for stage, item in _holding(template, brief.stages, stay.stage):
            if item.rule == "assets_attached":
                done = attached[0] if attached else None
            elif item.rule is None and item.owner is not None:
                done = ticks.get((stay.round, stage, item.id))
            else:
                continue  # checked by rule against assets or variants: counted there
            if done is not None and done <= stay.entered:
                continue
            ends = [at for at in (done, stay.left) if at is not None]
            who = brief.requester_id if item.owner in (None, REQUESTER) else str(item.owner)
            found.append(
                Wait(CHECKLIST, brief.id, item.label, who, stay.entered, min(ends, default=None))
            )
    return found


def _holding(template: Checklists, stages: list[str], stage: str) -> list[tuple[str, Item]]:
    """The required items that keep a brief in `stage`: its exit items and the entry items of
    the stage after it (launch after the last), as (the item's stage, item)."""
    after = stages.index(stage) + 1 if stage in stages else len(stages)
    following = stages[after] if after < len(stages) else LAUNCH
    found = [(stage, item) for item in template.items(stage, "exit")]
    if stage != LAUNCH:
        found += [(following, item) for item in template.items(following, "entry")]
    return [(name, item) for name, item in found if item.required]


def _stays(brief: Brief, events: Iterable[AuditEvent]) -> list[_Stay]:
    """The brief's stays in its review stages, and in `launch` from approval to live."""
    stages = brief.stages or []
    found: list[_Stay] = []
    current: _Stay | None = None

    def leave(at: datetime) -> None:
        nonlocal current
        if current is not None:
            found.append(_Stay(current.stage, current.round, current.entered, at))
            current = None

    for event in events:
        action, round_ = event.action, event.round or 0
        if action in ("submit", "resubmit"):
            leave(event.at)
            first = event.stage or (stages[0] if stages else None)
            current = _Stay(first, round_, event.at, None) if first else None
        elif action == "approve" and current is not None and current.stage == event.stage:
            leave(event.at)
            if event.to_state == BriefState.IN_REVIEW and event.stage in stages:
                at = stages.index(event.stage) + 1
                if at < len(stages):
                    current = _Stay(stages[at], round_, event.at, None)
            elif event.to_state == BriefState.APPROVED:
                current = _Stay(LAUNCH, round_, event.at, None)
        elif action in ("request_changes", "reject", "cancel", "go_live"):
            leave(event.at)
    if current is not None:
        found.append(current)
    return found


def _close(wait: Wait, at: datetime) -> Wait:
    return Wait(wait.kind, wait.brief_id, wait.what, wait.who, wait.since, at, wait.detail)


def _template(policy: Policy) -> Checklists | None:
    try:
        return checklists_for(policy)
    except PolicyError:
        return None  # the checklist service says so where it matters


# Names for the flow figures, where these waits stand beside the review stages: plain words,
# and never a policy stage's name (those are identifiers).
TASKS, ASSET_FIXES, CHECKLIST_TICKS = "Tasks", "Asset fixes", "Checklist ticks"


def spans(
    session: Session, policy: Policy, *, since: datetime, now: datetime
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Tasks, asset fixes and checklist ticks as (began, ended) POSIX seconds, `inf` while
    waiting, for bot.flow.metrics (which counts them as stages and may name one the
    bottleneck). A task waits from when it could start until it is done."""
    found = waits(session, policy, since=since, now=now)
    tasks = session.execute(
        select(PipelineTask.created_at, PipelineTask.ready_at, PipelineTask.done_at).where(
            or_(
                PipelineTask.status.in_(OPEN_STATUSES_OF_TASKS),
                and_(PipelineTask.status == WorkStatus.DONE, PipelineTask.done_at >= since),
            )
        )
    ).all()

    def arrays(pairs: list[tuple[datetime, datetime | None]]) -> tuple[np.ndarray, np.ndarray]:
        began = np.array([a.timestamp() for a, _ in pairs], dtype=np.float64)
        ended = np.array([b.timestamp() if b else np.inf for _, b in pairs], dtype=np.float64)
        return began, ended

    spans_of = {
        TASKS: arrays([(ready or created, done) for created, ready, done in tasks]),
        ASSET_FIXES: arrays([(w.since, w.until) for w in found if w.kind == ASSET]),
        CHECKLIST_TICKS: arrays([(w.since, w.until) for w in found if w.kind == CHECKLIST]),
    }
    return {name: pair for name, pair in spans_of.items() if pair[0].size}
