"""Daily digests, per channel and per person, exactly once per target per day.

A digest run is a row with a unique (kind, target, local day) key, inserted in the same
transaction as the digest's outbox row: two instances, a restart, or a tick every 30 s still send
one digest. An empty digest is recorded but not sent. Personal digests go only to people who
turned theirs on, at their own time within the working day (`bot.digests.settings`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.briefs import messages
from bot.briefs.models import Brief
from bot.briefs.workflow import BriefState
from bot.core import metrics
from bot.core.logs import get_logger
from bot.digests import settings, waiting, weekly_chart
from bot.digests.models import DigestRun, UserSetting
from bot.digests.weekly_chart import Enqueue
from bot.experiments import service as experiments
from bot.insights import service as insights
from bot.intake import service as intake
from bot.pipeline import figures as pipeline
from bot.sla.calendar import as_time, business_time, weekday
from bot.slack import blocks
from bot.slack.directory import Directory
from bot.slack.models import Priority
from bot.slack.outbox import enqueue
from bot.slack.text import NO_NAMES, Names
from bot.storage.database import Database, after_commit
from policies import access
from policies.schema import Policy

log = get_logger(__name__)

LISTED = 10  # briefs named per stage; the rest are counted


def channel_digest_text(
    session: Session, policy: Policy, now: datetime, names: Names = NO_NAMES
) -> str | None:
    found = waiting.groups(session, policy, now, limit=LISTED)
    # intake questions nobody answered, quoting the people's messages with names, not ids
    unanswered = intake.digest_lines(session, policy, now, names)
    # assets to fix and checklist items to tick, on whom each waits
    held = pipeline.waiting_lines(session, policy, now, limit=LISTED)
    if not found and not unanswered and not held:
        return None
    lines = [f"*Daily brief digest* ({sum(g.count for g in found):,} open)"]
    for group in found:
        label = messages.stage_label(policy, group.stage) if group.stage else "Waiting for changes"
        lines.append(f"*{label}* ({group.count:,})")
        lines += [_line(policy, item) for item in group.oldest]
        lines += _more(group.count - len(group.oldest))
    due_soon = waiting.due_soon(session, policy, now, limit=LISTED)
    breached, soon = sum(g.breached for g in found), sum(g.due_soon for g in found)
    lines.append(f"*Overdue:* {breached:,} · *Due in the next 24 hours:* {soon:,}")
    lines += [
        f"• due soon: #{item.brief.id} {blocks.escape(item.brief.title)} by "
        f"{blocks.local_time(item.due_at, '{date_short_pretty} at {time}')}"
        for item in due_soon
        if item.due_at
    ]
    lines += _more(soon - len(due_soon))
    lines += held
    lines += unanswered
    lines += pipeline.lines(
        pipeline.compute(session, policy, since=now - timedelta(days=1), now=now)
    )
    return "\n".join(lines)


def _line(policy: Policy, item: waiting.Waiting) -> str:
    flag = " :red_circle: *overdue*" if item.breached else ""
    # Named, not pinged: reminders and escalations notify; a daily list that pinged every group
    # in it would teach people to mute the channel.
    who = messages.waiting_on(policy, item.brief, mention=False)
    return (
        f"• #{item.brief.id} {blocks.escape(item.brief.title)}: waiting on {who} for "
        f"{business_time(item.age_hours)}{flag}"
    )


def _more(count: int) -> list[str]:
    return [f"  _…and {count:,} more_"] if count > 0 else []


def user_digest_text(
    session: Session, policy: Policy, user_id: str, group_ids: set[str], now: datetime
) -> str | None:
    decides = [
        stage
        for stage in waiting.stages_in_review(session)
        if access.may_decide(access.stage_approver_refs(policy, stage), user_id, group_ids, policy)
    ]
    mine = or_(
        and_(Brief.state == BriefState.CHANGES_REQUESTED, Brief.requester_id == user_id),
        and_(
            Brief.state == BriefState.IN_REVIEW,
            Brief.requester_id != user_id,
            waiting.brief_stage.in_(decides),
        ),
    )
    found = waiting.groups(session, policy, now, where=[mine], limit=LISTED)
    total = sum(group.count for group in found)
    held = pipeline.waiting_lines(
        session,
        policy,
        now,
        limit=LISTED,
        on=(user_id, frozenset(group_ids)),
        heading="Assets and checklist items waiting on you",
    )
    if not total:
        return "\n".join(held) if held else None
    # The longest waits first, whichever stage they are in.
    items = sorted(
        (item for group in found for item in group.oldest),
        key=lambda item: (item.brief.stage_entered_at, item.brief.id),
    )[:LISTED]
    lines = [f"*Waiting on you* ({total:,})", *(_line(policy, item) for item in items)]
    return "\n".join([*lines, *_more(total - len(items)), *held])


# -- the tick -----------------------------------------------------------------------------


def tick(
    db: Database,
    policy: Policy,
    directory: Directory,
    now: datetime,
    names: Names = NO_NAMES,
) -> int:
    """Send every digest whose local time has come today and that was not sent yet; on the
    policy's chart day, the weekly cycle-time chart goes to each digest channel too. `names`
    shows the people mentioned in quoted intake requests."""
    sent = 0
    chart_day = weekday(policy.digests.weekly_chart_day)
    for config in policy.digests.channels:
        local = now.astimezone(ZoneInfo(config.timezone))
        if local.time() >= as_time(config.time):
            day = local.date().isoformat()
            sent += _send_once(
                db,
                "channel",
                config.channel,
                day,
                partial(_channel_message, policy, config.channel, now, names),
            )
            if local.weekday() == chart_day:
                sent += _send_once(
                    db,
                    "weekly_chart",
                    config.channel,
                    day,
                    partial(_weekly_chart, policy, config.channel, now),
                )
                sent += _send_once(
                    db,
                    "weekly_goals",
                    config.channel,
                    day,
                    partial(_weekly_goals, policy, config.channel, now),
                )
                sent += _send_once(
                    db,
                    "experiments",
                    config.channel,
                    day,
                    partial(_weekly_experiments, config.channel, now),
                )
    for user_id, stored_time in _subscribers(db):
        local = now.astimezone(settings.zone(directory.timezone(user_id), policy))
        if settings.is_due(policy, settings.chosen_time(policy, stored_time), local):
            groups = set(
                directory.groups_of(user_id, [g.usergroup_id for g in policy.groups.values()])
            )
            sent += _send_once(
                db,
                "user",
                user_id,
                local.date().isoformat(),
                partial(_user_message, policy, user_id, groups, now),
            )
    return sent


def _channel_message(
    policy: Policy, channel: str, now: datetime, names: Names, session: Session
) -> Enqueue | None:
    return _message(channel, channel_digest_text(session, policy, now, names))


def _weekly_chart(policy: Policy, channel: str, now: datetime, session: Session) -> Enqueue | None:
    return weekly_chart.build(session, policy, channel, now)


def _weekly_experiments(channel: str, now: datetime, session: Session) -> Enqueue | None:
    lines = experiments.due_lines(session, now)
    if not lines:
        return None
    return _message(channel, "\n".join(["*Experiments due for a decision*", *lines]))


def _weekly_goals(policy: Policy, channel: str, now: datetime, session: Session) -> Enqueue | None:
    lines = insights.goal_summary(session, policy, now=now, only_with_data=True)
    if not lines:
        return None
    return _message(channel, "\n".join(["*This week against the team's goals*", *lines]))


def _user_message(
    policy: Policy, user_id: str, groups: set[str], now: datetime, session: Session
) -> Enqueue | None:
    return _message(user_id, user_digest_text(session, policy, user_id, groups, now))


def _message(target: str, text: str | None) -> Enqueue | None:
    if text is None:
        return None
    return lambda session: enqueue(
        session,
        "chat.postMessage",
        {"channel": target, "text": text, "unfurl_links": False},
        ordering_key=f"digest:{target}",
        priority=Priority.BULK,  # a digest wave goes after what people just clicked
    )


def _send_once(
    db: Database, kind: str, target: str, day: str, build: Callable[[Session], Enqueue | None]
) -> int:
    """`build` returns what to enqueue, or None when there is nothing to say (recorded as an
    empty run, so the next tick doesn't build it again)."""
    try:
        with db.transaction() as session:
            if session.scalar(
                select(DigestRun.id).where(
                    DigestRun.kind == kind, DigestRun.target == target, DigestRun.day == day
                )
            ):
                return 0
            outgoing = build(session)
            session.add(DigestRun(kind=kind, target=target, day=day, empty=outgoing is None))
            session.flush()  # the unique key decides, before anything is enqueued
            if outgoing is None:
                return 0
            outgoing(session)
            after_commit(session, partial(metrics.digest_sent, kind))
            log.info("digest.sent", kind=kind, target=target, day=day)
            return 1
    except IntegrityError:
        return 0  # another instance sent it first


def _subscribers(db: Database) -> list[tuple[str, str | None]]:
    """(user id, chosen time) of everyone who turned their digest on: nobody else gets one."""
    with db.read() as session:
        rows = session.execute(
            select(UserSetting.user_id, UserSetting.digest_time).where(UserSetting.digest_enabled)
        )
        return [(user_id, at) for user_id, at in rows]


def set_preference(
    session: Session, user_id: str, *, enabled: bool | None = None, at: str | None = None
) -> UserSetting:
    """Turn the digest on or off, or choose its time (HH:MM, checked by the caller); choosing a
    time leaves on or off as it was. Nobody has it until they turn it on."""
    setting = session.get(UserSetting, user_id) or UserSetting(
        user_id=user_id, digest_enabled=False
    )
    if enabled is not None:
        setting.digest_enabled = enabled
    if at is not None:
        setting.digest_time = at
    session.add(setting)
    return setting


def preference(session: Session, user_id: str) -> UserSetting | None:
    return session.get(UserSetting, user_id)
