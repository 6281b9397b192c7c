"""The App Home tab: the person's queue and the team's figures, published through the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.briefs import messages, service
from bot.briefs.models import Brief
from bot.briefs.service import Actor
from bot.flow import service as flow
from bot.insights import service as insights
from bot.slack import blocks
from bot.slack.outbox import enqueue
from policies.schema import Policy

MAX_LISTED = 15


def home_view(session: Session, policy: Policy, actor: Actor, now: datetime) -> dict:
    mine, waiting = service.briefs_of(session, policy, actor, limit=MAX_LISTED)
    built = [
        blocks.header("mopsbot"),
        blocks.section(
            "*Waiting on you*\n"
            + ("\n".join(_line(policy, b) for b in waiting) or "_Nothing waits on you._")
        ),
        blocks.section(
            "*Your open briefs*\n"
            + ("\n".join(_line(policy, b) for b in mine) or "_None. `/brief new` starts one._")
        ),
        blocks.divider(),
    ]
    figures = flow.figure_lines(session, policy, since=now - timedelta(days=30), now=now)
    built.append(blocks.section("*The team, last 30 days*\n" + "\n".join(figures)))
    goals = insights.goal_summary(session, policy, now=now)
    if goals:
        built.append(blocks.section("*Team goals*\n" + "\n".join(goals)))
    built.append(blocks.context(f"Policy `{policy.version}` · updated {now:%Y-%m-%d %H:%M} UTC"))
    return View(type="home", blocks=built[:100]).to_dict()


def _line(policy: Policy, brief: Brief) -> str:
    stage = f" · {messages.stage_label(policy, brief.stage)}" if brief.stage else ""
    return f"• #{brief.id} {blocks.escape(brief.title)}: {messages.state_words(brief)}{stage}"


def publish(session: Session, policy: Policy, actor: Actor, now: datetime) -> None:
    enqueue(
        session,
        "views.publish",
        {"user_id": actor.user_id, "view": home_view(session, policy, actor, now)},
        ordering_key=f"home:{actor.user_id}",
    )
