"""Stage checklists on a brief: which items are open, ticks by their owners, and the guard that
keeps a brief in its stage while a required item is open.

The guard is installed in the brief's reactions by bot.app.wiring (briefs sits below this
domain and can't call it): the last approval a review stage needs first asks `exit_refusal`.
The launch stage's open items are launch blockers (bot.pipeline.launch.checklist_blockers).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.briefs.models import Brief
from bot.briefs.service import Actor, Outcome
from bot.compliance.service import readable_rules
from bot.core.logs import get_logger
from bot.pipeline import events
from bot.pipeline.checklists.rules import RULES, Facts
from bot.pipeline.readiness_models import Asset, ChecklistTick, Variant
from bot.slack.deliveries import claim_delivery
from policies import access
from policies.checklists import LAUNCH, REQUESTER, Checklists, Item, load_checklists
from policies.schema import Policy
from policies.yaml_files import PolicyError

log = get_logger(__name__)
TICK_EVENT = "checklist_tick"

_lock = threading.Lock()
_loaded: dict[tuple[str, int], Checklists] = {}


def checklists_for(policy: Policy) -> Checklists | None:
    """The template the policy names, as it is on disk now; None when it names none."""
    name = policy.assets.checklists_file
    if name is None:
        return None
    path = policy.beside(name)
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError:
        key = (str(path), -1)
    with _lock:
        if key not in _loaded:
            _loaded[key] = load_checklists(path)
        return _loaded[key]


@dataclass(frozen=True)
class ItemState:
    stage: str
    when: str  # entry | exit
    item: Item
    open: str | None  # what is open, in plain words; None when done
    ticked_by: str | None = None

    @property
    def done(self) -> bool:
        return self.open is None


def facts(session: Session, policy: Policy, brief: Brief) -> Facts:
    rules = readable_rules(policy)
    assets = list(session.scalars(select(Asset).where(Asset.brief_id == brief.id)))
    variants = list(session.scalars(select(Variant).where(Variant.brief_id == brief.id)))
    return Facts(policy, assets, variants, rules)


def states(
    session: Session, policy: Policy, brief: Brief, stage: str, when: str, known: Facts | None
) -> list[ItemState]:
    checklists = _template(policy)
    if checklists is None:
        return []
    items = checklists.items(stage, when)
    if not items:
        return []
    known = known or facts(session, policy, brief)
    ticks = {
        tick.item_id: tick.ticked_by
        for tick in session.scalars(
            select(ChecklistTick).where(
                ChecklistTick.brief_id == brief.id,
                ChecklistTick.round == brief.round,
                ChecklistTick.stage == stage,
            )
        )
    }
    found = []
    for item in items:
        if item.rule is not None:
            found.append(ItemState(stage, when, item, RULES[item.rule](known)))
        else:
            who = ticks.get(item.id)
            waiting = None if who else f"{_owner_words(policy, brief, item)} ticks it"
            found.append(ItemState(stage, when, item, waiting, who))
    return found


def brief_checklist(session: Session, policy: Policy, brief: Brief) -> list[ItemState]:
    """Every item of every stage the brief goes through, launch last."""
    known = facts(session, policy, brief)
    return [
        state
        for stage in [*brief.stages, LAUNCH]
        for when in ("entry", "exit")
        for state in states(session, policy, brief, stage, when, known)
    ]


def blocking(session: Session, policy: Policy, brief: Brief, stage: str) -> list[ItemState]:
    """The required items open that keep the brief in `stage`: its exit items and the entry
    items of the stage after it (launch after the last)."""
    known = facts(session, policy, brief)
    after = brief.stages.index(stage) + 1 if stage in brief.stages else len(brief.stages)
    following = brief.stages[after] if after < len(brief.stages) else LAUNCH
    found = states(session, policy, brief, stage, "exit", known)
    if stage != LAUNCH:
        found += states(session, policy, brief, following, "entry", known)
    return [state for state in found if not state.done and state.item.required]


def exit_refusal(session: Session, policy: Policy, brief: Brief, stage: str) -> str | None:
    """Why the brief can't leave `stage` now, naming each open item; None when it may."""
    try:
        open_ = blocking(session, policy, brief, stage)
    except PolicyError as exc:  # the template broke on disk after the policy loaded
        log.warning("checklists.unreadable", errors=exc.errors[:3])
        return "its checklist can't be read right now; an ops admin should check it"
    if not open_:
        return None
    lines = "\n".join(f"• *{s.item.label}*: {s.open}" for s in open_)
    count = f"{len(open_)} required checklist item{'s are' if len(open_) > 1 else ' is'} open"
    return f"{count}:\n{lines}"


def stage_words(policy: Policy, stage: str, heading: bool = False) -> str:
    if stage == LAUNCH:
        return "Launch" if heading else "the launch"
    found = policy.stage(stage)
    return found.label if found is not None else stage.replace("_", " ").capitalize()


def tick(
    session: Session,
    policy: Policy,
    *,
    brief_id: int,
    round_: int,
    stage: str,
    item_id: str,
    actor: Actor,
    now: datetime,
    delivery_key: str | None,
) -> Outcome:
    """The item's owner ticks it, for the brief's current round."""
    if not claim_delivery(session, delivery_key, "action"):
        return Outcome(False, "That click was already handled.", brief_id, duplicate=True)
    brief = session.get(Brief, brief_id)
    checklists = _template(policy)
    item = checklists.item(stage, item_id) if checklists is not None else None
    if brief is None or item is None or item.owner is None:
        return Outcome(
            False, "That checklist item is no longer in the checklist; nothing was done."
        )
    if round_ != brief.round:
        return Outcome(
            False,
            f"That checklist is from an earlier round of brief #{brief.id}; use the newest one "
            "in its thread.",
            brief.id,
        )
    if not may_tick(policy, brief, item, actor):
        return Outcome(
            False, f"Only {_owner_words(policy, brief, item)} can tick *{item.label}*.", brief.id
        )
    earlier = session.scalar(
        select(ChecklistTick).where(
            ChecklistTick.brief_id == brief.id,
            ChecklistTick.round == brief.round,
            ChecklistTick.stage == stage,
            ChecklistTick.item_id == item_id,
        )
    )
    if earlier is not None:
        return Outcome(False, f"<@{earlier.ticked_by}> already ticked *{item.label}*.", brief.id)
    session.add(
        ChecklistTick(
            brief_id=brief.id,
            round=brief.round,
            stage=stage,
            item_id=item_id,
            ticked_by=actor.user_id,
            ticked_at=now,
            template_version=checklists.version if checklists is not None else 0,
        )
    )
    events.record(
        session,
        policy,
        brief,
        actor.user_id,
        TICK_EVENT,
        now,
        {"item": item_id, "label": item.label},
        stage=stage,
    )
    session.flush()
    return Outcome(True, f"You ticked *{item.label}*.", brief.id)


def may_tick(policy: Policy, brief: Brief, item: Item, actor: Actor) -> bool:
    if item.owner == REQUESTER:
        return actor.user_id == brief.requester_id
    return item.owner is not None and access.may_decide(
        [item.owner], actor.user_id, set(actor.group_ids), policy
    )


def _owner_words(policy: Policy, brief: Brief, item: Item) -> str:
    if item.owner == REQUESTER:
        return f"<@{brief.requester_id}> (the requester)"
    return access.describe_approvers([item.owner or ""], policy, mention=False)


def _template(policy: Policy) -> Checklists | None:
    try:
        return checklists_for(policy)
    except PolicyError as exc:
        log.warning("checklists.unreadable", errors=exc.errors[:3])
        return None
