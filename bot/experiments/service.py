"""Experiments: register and amend the plan, take results in, and read out at checkpoints.

Session-level functions in the caller's transaction: the rows, the audit events and the outbox
rows of one cause commit together. Readouts come only at the plan's checkpoints (days after the
first day with results); results between checkpoints get a progress note without effects.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.audit import service as audit
from bot.experiments import charts, messages
from bot.experiments.models import (
    Experiment,
    ExperimentReadout,
    ExperimentResult,
    ExperimentStatus,
    ExperimentVersion,
)
from bot.experiments.plan import Method, Plan
from bot.experiments.readout import Decision, Readout, read_out
from bot.experiments.results import Results
from bot.experiments.statistics import Moments
from bot.slack.blocks import user
from bot.slack.models import SlackMessage

FINAL_DECISIONS = {Decision.SHIP, Decision.ROLL_BACK, Decision.INCONCLUSIVE}


@dataclass(frozen=True)
class Done:
    """What happened, in words for the person who asked."""

    ok: bool
    message: str
    experiment_id: int | None = None


# -- the plan -------------------------------------------------------------------------------


def register(
    session: Session,
    plan: Plan,
    *,
    owner_id: str,
    channel_id: str,
    policy_version: str,
    now: datetime,
) -> Experiment:
    """A new experiment with its plan as version 1, posted as the parent of its thread."""
    experiment = Experiment(
        title=plan.title,
        owner_id=owner_id,
        channel_id=channel_id,
        status=ExperimentStatus.REGISTERED,
        plan_version=1,
        last_checkpoint=0,
        search_text=_search_text(plan, None),
        created_at=now,
        updated_at=now,
    )
    session.add(experiment)
    session.flush()  # the id names the thread
    _add_version(session, experiment, plan, owner_id, now)
    audit.record(
        session,
        actor_id=owner_id,
        action="experiment_registered",
        policy_version=policy_version,
        at=now,
        detail={"experiment_id": experiment.id, "plan_version": 1},
    )
    messages.post_plan(session, experiment, plan)
    return experiment


def amend(
    session: Session,
    experiment: Experiment,
    plan: Plan,
    *,
    actor_id: str,
    policy_version: str,
    now: datetime,
) -> ExperimentVersion:
    """A changed plan is a new version; the old ones stay. After the first result it is marked
    as changed after data, and every readout says so."""
    experiment.plan_version += 1
    experiment.title = plan.title
    experiment.search_text = _search_text(plan, experiment.outcome)
    experiment.updated_at = now
    version = _add_version(session, experiment, plan, actor_id, now)
    audit.record(
        session,
        actor_id=actor_id,
        action="experiment_amended",
        policy_version=policy_version,
        at=now,
        detail={
            "experiment_id": experiment.id,
            "plan_version": version.version,
            "after_data": version.after_data,
        },
    )
    messages.post_amendment(session, experiment, plan, version)
    return version


def _add_version(
    session: Session, experiment: Experiment, plan: Plan, author_id: str, now: datetime
) -> ExperimentVersion:
    version = ExperimentVersion(
        experiment_id=experiment.id,
        version=experiment.plan_version,
        plan=plan.model_dump(mode="json"),
        author_id=author_id,
        after_data=experiment.first_result_at is not None,
        created_at=now,
    )
    session.add(version)
    return version


def get(session: Session, experiment_id: int) -> Experiment | None:
    return session.get(Experiment, experiment_id)


def current_version(session: Session, experiment: Experiment) -> ExperimentVersion:
    return session.scalars(
        select(ExperimentVersion).where(
            ExperimentVersion.experiment_id == experiment.id,
            ExperimentVersion.version == experiment.plan_version,
        )
    ).one()


def plan_of(session: Session, experiment: Experiment) -> Plan:
    return Plan.model_validate(current_version(session, experiment).plan)


def amended_after_data(session: Session, experiment: Experiment) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(ExperimentVersion)
            .where(
                ExperimentVersion.experiment_id == experiment.id,
                ExperimentVersion.after_data.is_(True),
            )
        )
    )


def for_thread(session: Session, channel: str, thread_ts: str) -> Experiment | None:
    """The experiment whose thread this is, if any."""
    key = session.scalar(
        select(SlackMessage.key).where(
            SlackMessage.channel == channel,
            SlackMessage.ts == thread_ts,
            SlackMessage.key.like("experiment:%"),
        )
    )
    if key is None:
        return None
    return session.get(Experiment, int(key.removeprefix("experiment:")))


# -- results --------------------------------------------------------------------------------


def add_results(
    session: Session,
    experiment: Experiment,
    results: Results,
    *,
    source: str,
    actor_id: str,
    policy_version: str,
    now: datetime,
) -> Done:
    """Store a file's or a push's results (a day sent again replaces that day), then post a
    readout if a checkpoint has been reached, or a progress note if not."""
    plan = plan_of(session, experiment)
    refusal = _refusal(plan, results)
    if refusal:
        return Done(False, refusal, experiment.id)
    today = now.date()
    days: set[tuple[str, date]] = set()
    for arm, day, metric in results.moments:
        if metric in {m.name for m in plan.metrics}:
            days.add((arm, day or today))
    for arm, day in days:  # replace what was there for these (arm, day) cells
        session.execute(
            delete(ExperimentResult).where(
                ExperimentResult.experiment_id == experiment.id,
                ExperimentResult.arm == arm,
                ExperimentResult.day == day,
            )
        )
    for (arm, day, metric), moments in results.moments.items():
        if metric not in {m.name for m in plan.metrics}:
            continue
        session.add(
            ExperimentResult(
                experiment_id=experiment.id,
                arm=arm,
                day=day or today,
                metric=metric,
                units=moments.n,
                total=moments.total,
                total_sq=moments.total_sq,
                source=source,
                received_at=now,
            )
        )
    session.flush()
    first = min(day for _, day in days)
    if experiment.first_result_at is None:
        experiment.first_result_at = now
        experiment.status = ExperimentStatus.RUNNING
    if experiment.first_day is None or first < experiment.first_day:
        experiment.first_day = first
    experiment.updated_at = now
    audit.record(
        session,
        actor_id=actor_id,
        action="experiment_results",
        policy_version=policy_version,
        at=now,
        detail={
            "experiment_id": experiment.id,
            "source": source,
            "days": sorted({day.isoformat() for _, day in days}),
            "units": sum(results.units.values()),
        },
    )
    return _after_results(session, experiment, plan, actor_id, policy_version, now)


def _refusal(plan: Plan, results: Results) -> str | None:
    unknown = [arm for arm in results.arms if arm not in plan.arms]
    if unknown:
        return (
            f"The file has arms the plan doesn't name ({', '.join(unknown[:5])}); "
            f"the plan's arms are {', '.join(plan.arms)}. Nothing was stored."
        )
    missing = [m.name for m in plan.metrics if m.name not in results.metrics]
    if missing:
        return f"The file has no column for {', '.join(missing)}. Nothing was stored."
    return None


def stored_results(session: Session, experiment_id: int) -> Results:
    results = Results()
    rows = session.scalars(
        select(ExperimentResult).where(ExperimentResult.experiment_id == experiment_id)
    )
    for row in rows:
        results.units[(row.arm, row.day)] = row.units
        results.moments[(row.arm, row.day, row.metric)] = Moments(
            row.units, row.total, row.total_sq
        )
    return results


def _after_results(
    session: Session,
    experiment: Experiment,
    plan: Plan,
    actor_id: str,
    policy_version: str,
    now: datetime,
) -> Done:
    results = stored_results(session, experiment.id)
    assert experiment.first_day is not None
    last_day = max(results.days)
    days_in = (last_day - experiment.first_day).days + 1
    due = [cp for cp in plan.checkpoints if experiment.last_checkpoint < cp <= days_in]
    if not due:
        messages.post_progress(session, experiment, plan, results, days_in, last_day)
        next_cp = next((cp for cp in plan.checkpoints if cp > days_in), None)
        when = f" The next readout comes at day {next_cp}." if next_cp else ""
        return Done(True, f"Results stored: {days_in} day(s) in.{when}", experiment.id)
    checkpoint = due[-1]
    readout = readout_at(session, experiment, plan, results, checkpoint)
    days_left = _days_left(plan, readout, checkpoint)
    follow_up = _follow_up(plan, readout.decision)
    session.add(
        ExperimentReadout(
            experiment_id=experiment.id,
            checkpoint=checkpoint,
            plan_version=experiment.plan_version,
            decision=readout.decision.value,
            arm=readout.arm,
            follow_up=follow_up,
            figures=messages.figures(readout),
            created_at=now,
        )
    )
    experiment.last_checkpoint = checkpoint
    experiment.outcome = readout.decision.value
    if readout.decision in FINAL_DECISIONS:
        experiment.status = ExperimentStatus.DECIDED
    experiment.search_text = _search_text(plan, experiment.outcome)
    audit.record(
        session,
        actor_id=actor_id,
        action="experiment_readout",
        policy_version=policy_version,
        at=now,
        detail={
            "experiment_id": experiment.id,
            "checkpoint": checkpoint,
            "plan_version": experiment.plan_version,
            "decision": readout.decision.value,
            "arm": readout.arm,
        },
    )
    until = experiment.first_day + timedelta(days=checkpoint - 1)
    messages.post_readout(
        session,
        experiment,
        plan,
        readout,
        checkpoint=checkpoint,
        until=until,
        days_left=days_left,
        follow_up=follow_up,
        amended=amended_after_data(session, experiment),
        chart=charts.interval_chart(plan, results, experiment.first_day, until),
    )
    return Done(
        True,
        f"Results stored; day {checkpoint} readout posted: {messages.decision_words(readout, days_left)}.",
        experiment.id,
    )


def readout_at(
    session: Session, experiment: Experiment, plan: Plan, results: Results, checkpoint: int
) -> Readout:
    assert experiment.first_day is not None
    until = experiment.first_day + timedelta(days=checkpoint - 1)
    final = checkpoint == plan.checkpoints[-1]
    return read_out(
        plan,
        results,
        final=final,
        until=until,
        planned_units=_planned_units(plan, results, checkpoint),
    )


def _planned_units(plan: Plan, results: Results, checkpoint: int) -> int:
    """Units expected by the last checkpoint at the traffic seen so far: the sequential boundary
    is tuned to it (it depends on traffic only, never on the effect)."""
    days = max(len(results.days), 1)
    total = sum(results.units_per_arm().values())
    return max(total, math.ceil(total / days * plan.checkpoints[-1]))


def _days_left(plan: Plan, readout: Readout, checkpoint: int) -> int | None:
    """Fixed horizon and bandit: days to the last checkpoint. Sequential: to the minimum
    runtime, or to the sample the MDE needs at the traffic so far, whichever is later."""
    if readout.decision is not Decision.KEEP_RUNNING:
        return None
    if plan.method is not Method.SEQUENTIAL:  # fixed and bandit decide at the last checkpoint
        return plan.checkpoints[-1] - checkpoint
    have = min(readout.units.values()) if readout.units else 0
    per_day = have / checkpoint if checkpoint else 0
    to_power = math.ceil((readout.units_needed - have) / per_day) if per_day else 0
    return max(plan.min_days - checkpoint, to_power, 1)


def _follow_up(plan: Plan, decision: Decision) -> str:
    return {
        Decision.SHIP: plan.if_win,
        Decision.ROLL_BACK: plan.if_lose,
        Decision.INCONCLUSIVE: plan.if_inconclusive,
    }.get(decision, "")


# -- the push endpoint's token --------------------------------------------------------------


def issue_token(
    session: Session, experiment: Experiment, *, actor_id: str, policy_version: str, now: datetime
) -> str:
    """A new push token (any earlier one stops working). Only its hash is stored: the token
    is shown once."""
    token = f"mxp_{experiment.id}_{secrets.token_urlsafe(24)}"
    experiment.push_token_hash = _hash(token)
    experiment.updated_at = now
    audit.record(
        session,
        actor_id=actor_id,
        action="experiment_token_issued",
        policy_version=policy_version,
        at=now,
        detail={"experiment_id": experiment.id},
    )
    return token


def token_matches(experiment: Experiment, token: str) -> bool:
    stored = experiment.push_token_hash
    return stored is not None and hmac.compare_digest(stored, _hash(token))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- finding experiments --------------------------------------------------------------------


def search(session: Session, words: list[str], limit: int = 10) -> list[Experiment]:
    """Experiments whose hypothesis, title, arms, metrics or outcome hold every word."""
    query = select(Experiment).order_by(Experiment.updated_at.desc(), Experiment.id.desc())
    for word in words:
        escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Experiment.search_text.like(f"%{escaped}%", escape="\\"))
    return list(session.scalars(query.limit(limit)))


def recent(session: Session, limit: int = 10) -> list[Experiment]:
    return list(
        session.scalars(
            select(Experiment)
            .order_by(Experiment.updated_at.desc(), Experiment.id.desc())
            .limit(limit)
        )
    )


def due_for_decision(session: Session, now: datetime) -> list[Experiment]:
    """Running experiments whose last checkpoint day has passed without a final readout
    (results stopped coming, or nobody sent the last ones)."""
    running = session.scalars(
        select(Experiment).where(
            Experiment.status == ExperimentStatus.RUNNING, Experiment.first_day.is_not(None)
        )
    )
    due = []
    for experiment in running:
        plan = plan_of(session, experiment)
        assert experiment.first_day is not None
        last_day = experiment.first_day + timedelta(days=plan.checkpoints[-1] - 1)
        if last_day < now.date():
            due.append(experiment)
    return due


def due_lines(session: Session, now: datetime) -> list[str]:
    """One line per experiment due for a decision, for the weekly digest."""
    lines = []
    for experiment in due_for_decision(session, now):
        plan = plan_of(session, experiment)
        assert experiment.first_day is not None
        ended = experiment.first_day + timedelta(days=plan.checkpoints[-1] - 1)
        lines.append(
            f"• {messages.name(experiment)}: its last checkpoint (day {plan.checkpoints[-1]}, "
            f"{ended:%d %b}) has passed without results through that day; send them, or "
            f"`/mops experiment show {experiment.id}` · owner {user(experiment.owner_id)}"
        )
    return lines


def latest_readout(session: Session, experiment_id: int) -> ExperimentReadout | None:
    return session.scalars(
        select(ExperimentReadout)
        .where(ExperimentReadout.experiment_id == experiment_id)
        .order_by(ExperimentReadout.checkpoint.desc())
        .limit(1)
    ).first()


def _search_text(plan: Plan, outcome: str | None) -> str:
    words = [
        plan.title,
        plan.hypothesis,
        plan.unit,
        plan.method.value,
        *plan.arms,
        *(m.name for m in plan.metrics),
        messages.OUTCOME_WORDS.get(outcome or "", ""),
    ]
    return " ".join(words).lower()


def owner_or(experiment: Experiment, actor_id: str, is_admin: bool) -> bool:
    return experiment.owner_id == actor_id or is_admin
