"""The App Home: a person's place to act from, published through the outbox.

New brief; "Waiting on you" with each brief's buttons (the same as in its thread), the most
urgent first; "Your tasks" from approved briefs, soonest due first; for @triage and the ops admins, the open intake queue; "My requests" with where
each stands, in plain words; the team's figures. Slack
allows 100 blocks in a home tab: each list shows its first SHOWN and says how many more and which
command lists them all, so a home stays near 50 blocks however long the queues are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.briefs import messages, service
from bot.briefs.models import Brief
from bot.briefs.service import Actor
from bot.briefs.workflow import BriefState
from bot.digests import waiting
from bot.flow import service as flow
from bot.insights import service as insights
from bot.intake import roles, tickets
from bot.pipeline import overview as pipeline_tasks
from bot.pipeline import service as pipeline
from bot.slack import blocks
from bot.slack.actions import ActionId
from bot.slack.outbox import enqueue
from bot.slack.text import Names
from policies.intake_schema import IntakeTaxonomy
from policies.schema import Policy

SHOWN = 10  # briefs listed per section; the rest are counted
EVERY = 100_000  # "all of them", for counting what is not shown
NEW_BRIEF_VALUE = "home"
MAX_BLOCKS = 100  # Slack's limit for a home tab


@dataclass(frozen=True)
class IntakeQueue:
    """What the intake section needs from the running bot: where each label goes, and how the
    names in a request's text read."""

    routes: IntakeTaxonomy
    names: Names


def home_view(
    session: Session,
    policy: Policy,
    actor: Actor,
    now: datetime,
    notice: str | None = None,
    intake: IntakeQueue | None = None,
) -> dict:
    mine, deciding = service.briefs_of(session, policy, actor, limit=EVERY)
    to_fix = [brief for brief in mine if brief.state == BriefState.CHANGES_REQUESTED]
    built: list[Block] = [blocks.header("mopsbot")]
    if notice:
        built.append(blocks.section(f":information_source: {notice}"))
    built += _new_brief(policy)
    built += _waiting_on_you(policy, [*deciding, *to_fix], now)
    built += _your_tasks(session, policy, actor)
    built += _intake_queue(session, policy, actor, intake)
    built.append(blocks.divider())
    built += _my_requests(policy, mine, now)
    built.append(blocks.divider())
    figures = flow.figure_lines(session, policy, since=now - timedelta(days=30), now=now)
    built.append(blocks.section("*The team, last 30 days*\n" + "\n".join(figures)))
    goals = insights.goal_summary(session, policy, now=now)
    if goals:
        built.append(blocks.section("*Team goals*\n" + "\n".join(goals)))
    built.append(blocks.context(f"Updated {blocks.local_time(now)}"))
    assert len(built) <= MAX_BLOCKS, f"a home of {len(built)} blocks"  # SHOWN keeps it far below
    return View(type="home", blocks=built).to_dict()


def _new_brief(policy: Policy) -> list[Block]:
    if not policy.channels.briefs:  # the form needs a channel to post the brief in
        return [blocks.context("Start a brief with `/brief new` in your team's brief channel.")]
    return [
        blocks.actions(
            [blocks.button("New brief", ActionId.HOME_NEW_BRIEF, NEW_BRIEF_VALUE, style="primary")],
            block_id="home_new_brief",
        )
    ]


def _waiting_on_you(policy: Policy, briefs: Sequence[Brief], now: datetime) -> list[Block]:
    """Each brief with its own buttons, the most urgent first: past its SLA, then due soonest,
    then waiting longest."""
    items = sorted((waiting.waiting(policy, brief, now) for brief in briefs), key=_urgency)
    built: list[Block] = [blocks.section(f"*Waiting on you ({len(items):,})*")]
    if not items:
        built.append(blocks.context("Nothing waits on you."))
    for item in items[:SHOWN]:
        built.append(blocks.section(_waiting_line(policy, item)))
        buttons = messages.decision_buttons(item.brief)
        if buttons:
            built.append(blocks.actions(buttons, block_id=f"home_brief_{item.brief.id}"))
    built += _more(len(items) - SHOWN, "`/brief list` shows them all")
    return built


def _your_tasks(session: Session, policy: Policy, actor: Actor) -> list[Block]:
    """The person's open pipeline tasks, soonest due first (due dates on their own clock)."""
    found = pipeline.tasks_for_person(session, actor, policy, limit=SHOWN + 1)
    if not found:
        return []
    count = f"{SHOWN}+" if len(found) > SHOWN else str(len(found))
    built: list[Block] = [blocks.section(f"*Your tasks ({count})*")]
    built += [
        blocks.section(pipeline_tasks.task_line(session, policy, task)) for task in found[:SHOWN]
    ]
    more = "`/mops tasks` lists them" if len(found) > SHOWN else ""
    built.append(
        blocks.context(
            f"Claim, finish or mark one blocked with the buttons in its brief's thread. {more}"
        )
    )
    return built


def _intake_queue(
    session: Session, policy: Policy, actor: Actor, intake: IntakeQueue | None
) -> list[Block]:
    """The open intake requests, most pressing first, for the people who triage them."""
    if intake is None or not roles.may_see_queue(policy, actor.user_id, set(actor.group_ids)):
        return []
    shown = tickets.open_requests(session, limit=SHOWN)
    total = tickets.count_open(session) if len(shown) == SHOWN else len(shown)
    built: list[Block] = [
        blocks.divider(),
        blocks.section(f"*Open intake requests ({total:,})*"),
    ]
    if not shown:
        built.append(blocks.context("Nothing waits: every request is labelled and done."))
    for request in shown:
        built.append(
            blocks.section(tickets.queue_line(policy, intake.routes, request, intake.names))
        )
    built += _more(total - len(shown), "`/mops intake` lists the queue")
    if shown:
        built.append(blocks.context("Claim or finish a request with the buttons in its thread."))
    return built


def _urgency(item: waiting.Waiting) -> tuple[bool, datetime, datetime, int]:
    never = datetime.max.replace(tzinfo=UTC)
    return (not item.breached, item.due_at or never, item.brief.stage_entered_at, item.brief.id)


def _waiting_line(policy: Policy, item: waiting.Waiting) -> str:
    brief = item.brief
    title = f"*#{brief.id} {blocks.escape(brief.title)}*"
    if brief.state == BriefState.CHANGES_REQUESTED:
        return f"{title}\nChanges were requested: edit it and resubmit."
    stage = messages.stage_label(policy, brief.stage)
    when = ""
    if item.breached:
        when = " · :red_circle: past its deadline"
    elif item.due_at is not None:
        when = f" · due {blocks.local_time(item.due_at)}"
    return f"{title}\n*{stage}* review, requested by {blocks.user(brief.requester_id)}{when}"


def _my_requests(policy: Policy, mine: Sequence[Brief], now: datetime) -> list[Block]:
    """The person's open briefs, newest first, each with where it stands."""
    built: list[Block] = [blocks.section(f"*My requests ({len(mine):,})*")]
    if not mine:
        built.append(blocks.context("None open. *New brief* starts one."))
    for brief in mine[:SHOWN]:
        built.append(blocks.section(_request_line(policy, waiting.waiting(policy, brief, now))))
    built += _more(len(mine) - SHOWN, "`/brief list` shows them all")
    return built


def _request_line(policy: Policy, item: waiting.Waiting) -> str:
    brief = item.brief
    emoji = messages.STATE_EMOJI.get(brief.state, "")
    where = f"{emoji} {messages.state_words(brief)}"
    if brief.state == BriefState.IN_REVIEW:
        who = messages.waiting_on(policy, brief, mention=False)
        where += f": *{messages.stage_label(policy, brief.stage)}*, waiting on {who}"
        if item.breached:
            where += " · past its deadline"
        elif item.due_at is not None:
            where += f" · due {blocks.local_time(item.due_at)}"
    elif brief.state == BriefState.CHANGES_REQUESTED:
        where += ": edit it and resubmit"
    return f"*#{brief.id} {blocks.escape(brief.title)}*\n{where}"


def _more(count: int, how: str) -> list[Block]:
    return [blocks.context(f"…and {count:,} more: {how}.")] if count > 0 else []


def publish(
    session: Session,
    policy: Policy,
    actor: Actor,
    now: datetime,
    notice: str | None = None,
    intake: IntakeQueue | None = None,
) -> None:
    view = home_view(session, policy, actor, now, notice, intake)
    enqueue(
        session,
        "views.publish",
        {"user_id": actor.user_id, "view": view},
        ordering_key=f"home:{actor.user_id}",
    )
