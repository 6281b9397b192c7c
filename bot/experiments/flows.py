"""What a person (or the warehouse) does to an experiment, each in its own unit of work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.experiments import forms, messages, service
from bot.experiments.results import ResultsError, parse_csv
from bot.experiments.service import Done
from bot.slack import replies
from bot.slack.blocks import escape
from bot.slack.deliveries import claim_delivery
from bot.slack.replies import Reply
from bot.storage.database import Database
from bot.tasks.service import enqueue_task

MAX_FILE_BYTES = 20 * 1024 * 1024  # a day's aggregates are tiny; per-unit files can be big
NOT_YOURS = "Only the person who registered experiment #{id} or an ops admin can do that."


def register(
    db: Database,
    *,
    values: dict[str, str],
    owner_id: str,
    policy_version: str,
    now: datetime,
    delivery_key: str | None,
) -> Done | dict[str, str]:
    """A submitted pre-registration: the experiment and its thread, or inline errors."""
    plan = forms.read_plan(values)
    if isinstance(plan, dict):
        return plan
    channel = values.get("channel") or ""
    if not channel:
        return {"channel": "Pick the channel the experiment's thread goes in."}
    with db.transaction() as session:
        if not claim_delivery(session, delivery_key, "view"):
            return Done(True, "Already registered.")
        experiment = service.register(
            session,
            plan,
            owner_id=owner_id,
            channel_id=channel,
            policy_version=policy_version,
            now=now,
        )
        replies.ephemeral(
            session,
            Reply(channel, owner_id),
            f"Experiment #{experiment.id} is registered; its thread is where results and "
            "readouts go. Upload results as a CSV in the thread, or "
            f"`/mops experiment token {experiment.id}` for the warehouse push.",
        )
        return Done(True, "registered", experiment.id)


def edit_form(db: Database, experiment_id: int, actor_id: str, is_admin: bool) -> dict | str:
    """The form filled in with the current plan, or why not."""
    with db.read() as session:
        experiment = service.get(session, experiment_id)
        if experiment is None:
            return f"There is no experiment #{experiment_id}."
        if not service.owner_or(experiment, actor_id, is_admin):
            return NOT_YOURS.format(id=experiment_id)
        plan = service.plan_of(session, experiment)
    return forms.plan_form(channel_id=None, plan=plan, experiment_id=experiment_id)


def amend(
    db: Database,
    *,
    experiment_id: int,
    values: dict[str, str],
    actor_id: str,
    is_admin: bool,
    policy_version: str,
    now: datetime,
    delivery_key: str | None,
) -> Done | dict[str, str]:
    plan = forms.read_plan(values)
    if isinstance(plan, dict):
        return plan
    with db.transaction() as session:
        # Refusals first: they keep the modal open and must leave the delivery unclaimed, so
        # the corrected form (same view id and hash) is not taken for a redelivery.
        experiment = service.get(session, experiment_id)
        if experiment is None or not service.owner_or(experiment, actor_id, is_admin):
            return {"title": NOT_YOURS.format(id=experiment_id)}
        current = service.plan_of(session, experiment)
        if current.arms != plan.arms and experiment.first_result_at is not None:
            return {"arms": "Results have arrived: the variants can't change any more."}
        if current == plan:
            return {"title": "Nothing changed, so no new version was saved."}
        if not claim_delivery(session, delivery_key, "view"):
            return Done(True, "Already saved.")
        service.amend(
            session, experiment, plan, actor_id=actor_id, policy_version=policy_version, now=now
        )
        return Done(True, "amended", experiment_id)


def add_results(
    db: Database,
    *,
    experiment_id: int,
    text: str,
    source: str,
    actor_id: str,
    policy_version: str,
    now: datetime,
    reply: Reply | None = None,
    delivery_key: str | None = None,
) -> Done:
    """A results file (upload, CLI or push): stored and read out, or refused with why. With
    `reply`, the person who sent it hears the outcome (a refusal only to them)."""
    with db.transaction() as session:
        if not claim_delivery(session, delivery_key, "results"):
            return Done(True, "Those results were already received.", experiment_id)
        done = take_results(
            session,
            experiment_id=experiment_id,
            text=text,
            source=source,
            actor_id=actor_id,
            policy_version=policy_version,
            now=now,
        )
        if reply is not None and not done.ok:
            replies.ephemeral(session, reply, escape(done.message))
        return done


def take_results(
    session: Session,
    *,
    experiment_id: int,
    text: str,
    source: str,
    actor_id: str,
    policy_version: str,
    now: datetime,
) -> Done:
    """Read, store and read out, in the caller's transaction; a file that can't be read
    changes nothing."""
    experiment = service.get(session, experiment_id)
    if experiment is None:
        return Done(False, f"There is no experiment #{experiment_id}.")
    plan = service.plan_of(session, experiment)
    try:
        results = parse_csv(text, metrics=[m.name for m in plan.metrics])
    except ResultsError as exc:
        message = str(exc) if "Nothing was" in str(exc) else f"{exc} Nothing was stored."
        return Done(False, message, experiment_id)
    return service.add_results(
        session,
        experiment,
        results,
        source=source,
        actor_id=actor_id,
        policy_version=policy_version,
        now=now,
    )


def apply_file(
    session: Session, payload: dict, data: bytes | str, *, policy_version: str, now: datetime
) -> None:
    """The results-file task, once the file is downloaded (or `data` says why it wasn't)."""
    reply = Reply(payload["channel"], payload["user_id"], payload["thread_ts"])
    name = escape(payload.get("name") or "the file")
    if isinstance(data, str):
        replies.ephemeral(
            session, reply, f"I couldn't read {name}: {escape(data)}. Nothing was stored."
        )
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        replies.ephemeral(session, reply, f"{name} is not a UTF-8 text CSV. Nothing was stored.")
        return
    done = take_results(
        session,
        experiment_id=payload["experiment_id"],
        text=text,
        source="upload",
        actor_id=payload["user_id"],
        policy_version=policy_version,
        now=now,
    )
    if not done.ok:
        replies.ephemeral(session, reply, f"{name}: {escape(done.message)}")


def issue_token(
    db: Database,
    experiment_id: int,
    *,
    actor_id: str,
    is_admin: bool,
    policy_version: str,
    now: datetime,
) -> str:
    """A new push token, shown once (the answer is the only place it appears)."""
    with db.transaction() as session:
        experiment = service.get(session, experiment_id)
        if experiment is None:
            return f"There is no experiment #{experiment_id}."
        if not service.owner_or(experiment, actor_id, is_admin):
            return NOT_YOURS.format(id=experiment_id)
        token = service.issue_token(
            session, experiment, actor_id=actor_id, policy_version=policy_version, now=now
        )
    return (
        f"Push token for experiment #{experiment_id} (shown once; any earlier token no longer "
        f"works):\n`{token}`\nThe warehouse job POSTs the day's aggregates as CSV to "
        f"`/experiments/{experiment_id}/results` with the header `Authorization: Bearer` and the token."
    )


def token_matches(db: Database, experiment_id: int, token: str) -> bool:
    with db.read() as session:
        experiment = service.get(session, experiment_id)
        return experiment is not None and service.token_matches(experiment, token)


# -- reading --------------------------------------------------------------------------------


def showing(db: Database, experiment_id: int) -> str:
    with db.read() as session:
        experiment = service.get(session, experiment_id)
        if experiment is None:
            return f"There is no experiment #{experiment_id}."
        plan = service.plan_of(session, experiment)
        latest = service.latest_readout(session, experiment_id)
        units = service.stored_results(session, experiment_id).units_per_arm()
        lines = [f"*{messages.name(experiment)}* (plan version {experiment.plan_version})"]
        lines.append(messages.plan_text(plan))
        if units:
            lines.append(
                "*Units so far:* "
                + ", ".join(f"{escape(a)} {units.get(a, 0):,}" for a in plan.arms)
            )
        if latest is not None:
            words = messages.OUTCOME_LABELS.get(latest.decision, latest.decision)
            arm = f" {escape(latest.arm)}" if latest.arm else ""
            lines.append(f"*Last readout:* day {latest.checkpoint}: {words}{arm}")
        return "\n".join(lines)


def listing(db: Database, words: list[str] | None = None) -> str:
    with db.read() as session:
        found = service.search(session, words) if words else service.recent(session)
        lines = [messages.listing_line(experiment) for experiment in found]
    if words and not lines:
        return f"No experiment mentions {escape(' '.join(words))}."
    if not lines:
        return "No experiments yet. `/mops experiment new` registers one."
    head = f"Experiments matching {escape(' '.join(words))}:" if words else "Recent experiments:"
    return "\n".join([head, *lines])


# -- files uploaded in an experiment's thread -----------------------------------------------

RESULTS_FILE_TASK = "experiment_results_file"


def receive_file(
    db: Database,
    *,
    channel: str,
    thread_ts: str,
    user_id: str,
    files: list[dict],
    delivery_key: str | None,
    now: datetime,
) -> bool:
    """A file shared in a thread: when the thread is an experiment's, a task that downloads and
    reads it after the ack (committed with the delivery's key). False: not an experiment's."""
    with db.transaction() as session:
        experiment = service.for_thread(session, channel, thread_ts)
        if experiment is None:
            return False
        if not claim_delivery(session, delivery_key, "event"):
            return True
        reply = Reply(channel, user_id, thread_ts)
        for file in files[:5]:
            name = str(file.get("name") or "")
            url = file.get("url_private_download") or file.get("url_private")
            if not name.lower().endswith(".csv") or not url:
                replies.ephemeral(
                    session,
                    reply,
                    f"I read results only from .csv files; {escape(name)} was left alone.",
                )
                continue
            if int(file.get("size") or 0) > MAX_FILE_BYTES:
                replies.ephemeral(
                    session, reply, f"{escape(name)} is over 20 MB; send daily aggregates instead."
                )
                continue
            enqueue_task(
                session,
                RESULTS_FILE_TASK,
                {
                    "experiment_id": experiment.id,
                    "file_id": file.get("id"),
                    "name": name,
                    "url": url,
                    "user_id": user_id,
                    "channel": channel,
                    "thread_ts": thread_ts,
                },
                now=now,
            )
    return True
