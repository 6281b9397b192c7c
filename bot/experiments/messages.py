"""What an experiment's thread shows: the plan (the parent message), plan changes, progress
between checkpoints (no effects), and readouts with their chart."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.experiments.models import Experiment, ExperimentVersion
from bot.experiments.plan import METHOD_LABELS, Method, Metric, Plan
from bot.experiments.readout import Decision, Readout
from bot.experiments.results import Results
from bot.experiments.statistics import p_text
from bot.slack import blocks
from bot.slack.blocks import escape
from bot.slack.outbox import channel_of, enqueue, enqueue_file, ts_of

# Words a search can find an outcome by.
OUTCOME_WORDS = {
    "ship": "shipped ship won win",
    "roll_back": "rolled back roll back lost lose",
    "inconclusive": "inconclusive",
    "unhealthy": "unhealthy sample ratio mismatch",
    "keep_running": "running",
}
BANDIT_WARNING = (
    ":warning: A bandit moves traffic toward the arms that look better, so its effect "
    "estimates are biased (winners look better than they are). Use the weights to allocate "
    "traffic, not the lifts to report a result."
)


def thread_key(experiment: Experiment) -> str:
    return f"experiment:{experiment.id}"


def name(experiment: Experiment) -> str:
    return f"Experiment #{experiment.id}: {escape(experiment.title)}"


# -- the plan -------------------------------------------------------------------------------


def _metric(metric: Metric, guardrail: bool) -> str:
    better = "higher is better" if metric.higher_is_better else "lower is better"
    margin = f", at most {metric.margin:.0%} worse" if guardrail else ""
    return f"{escape(metric.name)} ({better}{margin})"


def plan_text(plan: Plan) -> str:
    arms = ", ".join(escape(arm) for arm in plan.arms[1:])
    lines = [
        f"*Hypothesis:* {escape(plan.hypothesis)}",
        f"*Variants:* {escape(plan.control)} (control), {arms} · *unit:* {escape(plan.unit)}",
        "*Goal:* " + "; ".join(_metric(m, False) for m in plan.goals),
    ]
    if plan.guardrails:
        lines.append("*Guardrails:* " + "; ".join(_metric(m, True) for m in plan.guardrails))
    checkpoints = ", ".join(str(day) for day in plan.checkpoints)
    lines += [
        f"*Method:* {METHOD_LABELS[plan.method]} · smallest effect worth finding {plan.mde:.0%} · alpha {plan.alpha:g}"
        f" · power {plan.power:.0%} · at least {plan.min_days} days · readouts on days "
        f"{checkpoints}",
        f"*If it wins:* {escape(plan.if_win) or '_not said_'}",
        f"*If it loses:* {escape(plan.if_lose) or '_not said_'}",
        f"*If inconclusive:* {escape(plan.if_inconclusive) or '_not said_'}",
    ]
    return "\n".join(lines)


def _parent(experiment: Experiment, plan: Plan) -> dict[str, Any]:
    built = [
        blocks.header(f"Experiment #{experiment.id}: {plan.title}"),
        blocks.section(plan_text(plan)),
        blocks.context(
            f"Plan version {experiment.plan_version} · registered by "
            f"{blocks.user(experiment.owner_id)} · drop a results CSV in this thread "
            f"(`/mops experiment help` says how)"
        ),
    ]
    return {"text": name(experiment), "blocks": blocks.to_dicts(built)}


def post_plan(session: Session, experiment: Experiment, plan: Plan) -> None:
    key = thread_key(experiment)
    enqueue(
        session,
        "chat.postMessage",
        {"channel": experiment.channel_id, **_parent(experiment, plan), "unfurl_links": False},
        ordering_key=key,
        message_key=key,
    )


def post_amendment(
    session: Session, experiment: Experiment, plan: Plan, version: ExperimentVersion
) -> None:
    key = thread_key(experiment)
    enqueue(
        session,
        "chat.update",
        {"channel": channel_of(key), "ts": ts_of(key), **_parent(experiment, plan)},
        ordering_key=key,
    )
    after = (
        " *after results arrived*: every readout from now on names this version"
        if version.after_data
        else ""
    )
    reply(
        session,
        experiment,
        f"{blocks.user(version.author_id)} changed the plan: this is version "
        f"{version.version}{after}. The message above shows it.",
    )


def reply(session: Session, experiment: Experiment, text: str, extra: list | None = None) -> None:
    key = thread_key(experiment)
    payload: dict[str, Any] = {
        "channel": channel_of(key),
        "thread_ts": ts_of(key),
        "text": text,
        "unfurl_links": False,
    }
    if extra:
        payload["blocks"] = blocks.to_dicts([blocks.section(text), *extra])
    enqueue(session, "chat.postMessage", payload, ordering_key=key)


# -- between checkpoints: progress only -----------------------------------------------------


def post_progress(
    session: Session,
    experiment: Experiment,
    plan: Plan,
    results: Results,
    days_in: int,
    last_day: date,
) -> None:
    units = results.units_per_arm()
    counts = ", ".join(f"{escape(arm)} {units.get(arm, 0):,}" for arm in plan.arms)
    upcoming = next((day for day in plan.checkpoints if day > days_in), None)
    nxt = (
        f" The next readout is at day {upcoming}; effects stay hidden until then, so nobody "
        "is tempted to stop early."
        if upcoming
        else ""
    )
    reply(
        session,
        experiment,
        f"Results through {last_day:%d %b %Y} (day {days_in}): {counts} {escape(plan.unit)}s.{nxt}",
    )


# -- readouts -------------------------------------------------------------------------------


def decision_words(readout: Readout, days_left: int | None) -> str:
    if readout.decision is Decision.SHIP:
        return f"ship {readout.arm}"
    if readout.decision is Decision.ROLL_BACK:
        return "roll back"
    if readout.decision is Decision.KEEP_RUNNING:
        return f"keep running (~{days_left} days left)" if days_left else "keep running"
    if readout.decision is Decision.INCONCLUSIVE:
        return "inconclusive"
    return "unhealthy: the split between arms is off (sample ratio mismatch)"


def _interval(low: float, high: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "no interval yet"
    return f"{low:+.1%} to {high:+.1%}"


def _lift(value: float) -> str:
    """A relative lift; none when the control's mean is zero (nothing to be relative to)."""
    return f"{value:+.1%}" if math.isfinite(value) else "no relative lift (control is 0)"


def readout_text(
    plan: Plan,
    readout: Readout,
    *,
    checkpoint: int,
    until: date,
    days_left: int | None,
    follow_up: str,
    version: int,
    amended: bool,
) -> str:
    units = ", ".join(f"{escape(arm)} {readout.units[arm]:,}" for arm in plan.arms)
    srm = readout.srm
    split = {
        "ok": "the split looks right",
        "warning": ":warning: the split is a little off, worth a look",
        "alert": ":rotating_light: the split is off, do not trust these effects",
    }[srm.status]
    lines = [
        f"*Day {checkpoint} readout* (results through {until:%d %b %Y}, plan version {version}"
        + (", changed after data arrived" if amended else "")
        + ")",
        f"{units} {escape(plan.unit)}s; {split} ({p_text(srm.p_value)}).",
    ]
    for item in readout.metrics:
        role = "goal" if item.role == "goal" else "guardrail"
        for arm, effect in item.effects.items():
            mark = ":white_check_mark:" if item.good(arm) else ":x:" if item.bad(arm) else "•"
            lines.append(
                f"{mark} {escape(item.metric.name)} ({role}), {escape(arm)}: "
                f"{effect.treatment_mean:.4g} vs {effect.control_mean:.4g}, "
                f"{_lift(effect.relative)} ({_interval(effect.relative_low, effect.relative_high)}"
                f", {p_text(effect.p_value)})"
            )
    power = readout.power
    lines.append(
        f"Power at the planned {plan.mde:.0%} effect: {power:.0%}"
        + (f" (about {readout.units_needed:,} per arm needed)" if power < plan.power else "")
    )
    if plan.method is Method.SEQUENTIAL:
        lines.append("Intervals are anytime-valid: reading them at every checkpoint is fine.")
    lines.append(f"*Decision by the plan's rule: {decision_words(readout, days_left)}*")
    if follow_up:
        lines.append(f"*What we said we would do:* {escape(follow_up)}")
    if readout.weights:
        shares = ", ".join(f"{escape(arm)} {share:.0%}" for arm, share in readout.weights.items())
        lines.append(f"*Traffic for the next period (Thompson sampling):* {shares}")
        lines.append(BANDIT_WARNING)
    return "\n".join(lines)


def post_readout(
    session: Session,
    experiment: Experiment,
    plan: Plan,
    readout: Readout,
    *,
    checkpoint: int,
    until: date,
    days_left: int | None,
    follow_up: str,
    amended: bool,
    chart: bytes,
) -> None:
    text = readout_text(
        plan,
        readout,
        checkpoint=checkpoint,
        until=until,
        days_left=days_left,
        follow_up=follow_up,
        version=experiment.plan_version,
        amended=amended,
    )
    reply(session, experiment, text)
    key = thread_key(experiment)
    enqueue_file(
        session,
        channel=experiment.channel_id,
        thread_ts=ts_of(key),
        filename=f"experiment-{experiment.id}-day-{checkpoint}.png",
        content=chart,
        title=f"Experiment #{experiment.id}, day {checkpoint}: effect per metric over time",
        initial_comment="Each band is the interval of the relative lift as results came in.",
        ordering_key=key,
    )


def figures(readout: Readout) -> dict[str, Any]:
    """What the readout row keeps: enough to list and search past results."""

    def number(value: float) -> float | None:
        return value if math.isfinite(value) else None

    return {
        "units": readout.units,
        "srm_p": number(readout.srm.p_value),
        "metrics": {
            item.metric.name: {
                arm: {
                    "relative": number(e.relative),
                    "low": number(e.relative_low),
                    "high": number(e.relative_high),
                    "p": number(e.p_value),
                }
                for arm, e in item.effects.items()
            }
            for item in readout.metrics
        },
        "weights": readout.weights,
    }


# -- lists ----------------------------------------------------------------------------------

OUTCOME_LABELS = {
    "ship": "ship",
    "roll_back": "roll back",
    "keep_running": "keep running",
    "inconclusive": "inconclusive",
    "unhealthy": "unhealthy (the split was off)",
}
STATUS_WORDS = {
    "registered": "waiting for results",
    "running": "running",
    "decided": "decided",
}


def listing_line(experiment: Experiment) -> str:
    outcome = experiment.outcome
    state = STATUS_WORDS.get(experiment.status, experiment.status)
    if outcome and outcome != "keep_running":
        state = f"last readout: {OUTCOME_LABELS.get(outcome, outcome)}"
    return f"• *#{experiment.id}* {escape(experiment.title)} · {state} · {blocks.user(experiment.owner_id)}"
