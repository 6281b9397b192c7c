"""What Slack shows for a brief: the parent message and the thread replies, as outbox rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.briefs import approvers, details
from bot.briefs.lock import hold
from bot.briefs.models import Brief
from bot.briefs.workflow import Action, BriefState
from bot.slack import blocks
from bot.slack.actions import ActionId, BriefRef
from bot.slack.blocks import escape
from bot.slack.outbox import channel_of, enqueue, ts_of
from bot.slack.text import clip
from policies import access
from policies.schema import Policy
from policies.template import TemplateField

STATE_WORDS: dict[str, str] = {
    BriefState.DRAFT: "a draft",
    BriefState.IN_REVIEW: "in review",
    BriefState.CHANGES_REQUESTED: "waiting for changes",
    BriefState.APPROVED: "approved",
    BriefState.SCHEDULED: "scheduled",
    BriefState.LIVE: "live",
    BriefState.REJECTED: "rejected",
    BriefState.CANCELLED: "cancelled",
}
STATE_EMOJI: dict[str, str] = {
    BriefState.DRAFT: ":memo:",
    BriefState.IN_REVIEW: ":hourglass_flowing_sand:",
    BriefState.CHANGES_REQUESTED: ":pencil2:",
    BriefState.APPROVED: ":white_check_mark:",
    BriefState.SCHEDULED: ":calendar:",
    BriefState.LIVE: ":rocket:",
    BriefState.REJECTED: ":no_entry:",
    BriefState.CANCELLED: ":wastebasket:",
}


def state_words(brief: Brief) -> str:
    return STATE_WORDS.get(brief.state, brief.state)


def stage_label(policy: Policy, stage: str | None) -> str:
    if stage is None:
        return "-"
    for candidate in policy.workflows.brief.stages:
        if candidate.name == stage:
            return candidate.label
    return stage.replace("_", " ").title()


def waiting_on(policy: Policy, brief: Brief, mention: bool = True) -> str:
    if brief.state == BriefState.IN_REVIEW and brief.stage:
        return approvers.describe(policy, brief, mention=mention)
    if brief.state in (BriefState.CHANGES_REQUESTED, BriefState.DRAFT):
        return blocks.user(brief.requester_id)
    return "nobody"


def open_stage_labels(policy: Policy, brief: Brief) -> str:
    """The stages under review now, in bold: "*Brand*", or "*Brand* and *Legal*" in parallel."""
    labels = [f"*{stage_label(policy, name)}*" for name in approvers.open_stages(policy, brief)]
    return " and ".join(labels) or "-"


def waiting_phrase(policy: Policy, brief: Brief, mention: bool = True) -> str:
    """Who each open stage waits on: "@brand-team for *Brand* and any 2 of @legal-team for
    *Legal*"."""
    parts = []
    for name in approvers.open_stages(policy, brief):
        needed = approvers.quorum(policy, brief, name)
        some = f"any {needed} of " if needed > 1 else ""
        who = access.describe_approvers(approvers.refs(policy, brief, name), policy, mention)
        parts.append(f"{some}{who} for *{stage_label(policy, name)}*")
    return " and ".join(parts)


def parent_blocks(policy: Policy, brief: Brief, tally: approvers.Tally | None = None) -> list[dict]:
    """The brief's message: every field (long ones shortened, with the way to read them in
    full), where it stands, and the buttons for what can happen next."""
    lines, shortened = details.field_lines(policy, brief, details.SHOWN_IN_CHANNEL)
    status = f"{STATE_EMOJI.get(brief.state, '')} *{state_words(brief).capitalize()}*"
    if brief.state == BriefState.IN_REVIEW and brief.stage and brief.stage_index is not None:
        first, group = brief.stage_index + 1, len(approvers.open_stages(policy, brief))
        numbers = f"stage {first}" if group == 1 else f"stages {first}-{first + group - 1}"
        status += f" · {numbers}/{len(brief.stages)}: {open_stage_labels(policy, brief)}"
        if tally is not None:
            status += f" · {tally.words()}"
        status += f" · waiting on {waiting_on(policy, brief)}"
    elif brief.state in (BriefState.CHANGES_REQUESTED, BriefState.DRAFT):
        status += f" · waiting on {waiting_on(policy, brief)}"
    built = [
        blocks.header(f"Brief #{brief.id}: {brief.title}"),
        *(details.sections(lines) or [blocks.section("_No details._")]),
        blocks.context(
            f"{status} · round {brief.round} · requested by {blocks.user(brief.requester_id)}"
        ),
    ]
    buttons = decision_buttons(brief)
    if shortened:
        built.append(blocks.context(details.shortened_note(brief)))
        buttons.append(
            blocks.button(
                "Show full brief", ActionId.BRIEF_SHOW, BriefRef(brief.id, brief.version).format()
            )
        )
    if buttons:
        built.append(blocks.actions(buttons, block_id=f"brief_{brief.id}_actions"))
    return blocks.to_dicts(built)


def decision_buttons(brief: Brief) -> list:
    value = BriefRef(brief.id, brief.version).format()
    if brief.state == BriefState.IN_REVIEW:
        return [
            blocks.button("Approve", ActionId.BRIEF_APPROVE, value, style="primary"),
            blocks.button("Request changes", ActionId.BRIEF_REQUEST_CHANGES, value),
            blocks.button("Reject", ActionId.BRIEF_REJECT, value, style="danger"),
        ]
    if brief.state in (BriefState.CHANGES_REQUESTED, BriefState.DRAFT):
        return [blocks.button("Edit & resubmit", ActionId.BRIEF_RESUBMIT, value, style="primary")]
    if brief.state in (BriefState.REJECTED, BriefState.CANCELLED):
        return [blocks.button("Reopen", ActionId.BRIEF_REOPEN, value)]
    return []


def fallback_text(brief: Brief) -> str:
    return f"Brief #{brief.id}: {escape(brief.title)} ({state_words(brief)})"


def announce(
    session: Session,
    policy: Policy,
    brief: Brief,
    action: Action,
    *,
    actor_id: str,
    reason: str | None,
    stage_before: str | None,
    actor_words: str | None = None,
    changes: dict[str, list[Any]] | None = None,
) -> None:
    """The thread reply for a change, and the parent message brought up to date."""
    key = brief.thread_key
    if action == Action.SUBMIT:
        enqueue(
            session,
            "chat.postMessage",
            {
                "channel": brief.channel_id,
                "text": fallback_text(brief),
                "blocks": parent_blocks(policy, brief, approvers.tally(session, policy, brief)),
                "unfurl_links": False,
            },
            ordering_key=key,
            message_key=key,
        )
    else:
        refresh_parent(session, policy, brief)
    text = _thread_text(
        policy, brief, action, actor_words or blocks.user(actor_id), reason, stage_before
    )
    if action in (Action.CANCEL, Action.REJECT) and actor_id != brief.requester_id:
        text += f"\n{blocks.user(brief.requester_id)}, {_reopen_hint(policy)}"
    if action == Action.REOPEN and actor_id != brief.requester_id:
        text += f"\n{blocks.user(brief.requester_id)}, it is back with you."
    if changes is not None:
        text += "\n" + changes_text(policy, changes)
    reply(session, brief, text)


def _reopen_hint(policy: Policy) -> str:
    if "requester" in policy.roles.reopen:
        return "you can *Reopen* it from the brief above to edit and resubmit it."
    return "it can be reopened from the brief above."


CHANGE_SHOWN = 300  # characters of an old or new value in the thread; /brief show has them all


def changes_text(policy: Policy, changes: dict[str, list[Any]]) -> str:
    """What a resubmission changed, field by field, old and new, for the round's reviewers."""
    if not changes:
        return "_Nothing in the form changed since the last round._"
    lines = ["*What changed:*"]
    for field in policy.workflows.brief.template.fields:
        if field.id not in changes:
            continue
        old, new = changes[field.id]
        lines.append(f"• *{escape(field.label)}:* {_was(field, old)} → {_was(field, new)}")
    return "\n".join(lines)


def _was(field: TemplateField, value: Any) -> str:
    if value in (None, ""):
        return "_(empty)_"
    if field.type == "user":
        return blocks.user(str(value))
    return f"“{escape(clip(details.as_text(field, value), CHANGE_SHOWN))}”"


def refresh_parent(session: Session, policy: Policy, brief: Brief) -> None:
    """The brief's parent message brought up to date (status, who it waits on, buttons)."""
    key = brief.thread_key
    hold(session, brief.id)  # the thread's writer, before its outbox row: bot.briefs.lock
    enqueue(
        session,
        "chat.update",
        {
            "channel": channel_of(key),
            "ts": ts_of(key),
            "text": fallback_text(brief),
            "blocks": parent_blocks(policy, brief, approvers.tally(session, policy, brief)),
        },
        ordering_key=key,
    )


def announce_vote(
    session: Session,
    policy: Policy,
    brief: Brief,
    *,
    stage: str,
    actor_words: str,
    count: tuple[int, int],
) -> None:
    """An approval short of the stage's quorum: the thread says how many more it needs."""
    refresh_parent(session, policy, brief)
    approved, needed = count
    more = needed - approved
    who = access.describe_approvers(approvers.refs(policy, brief, stage), policy)
    reply(
        session,
        brief,
        f"{actor_words} approved *{stage_label(policy, stage)}* ({approved} of {needed}). "
        f"Waiting on {who} for {more} more approval{'s' if more > 1 else ''}.",
    )


def reply(
    session: Session,
    brief: Brief,
    text: str,
    extra_blocks: list[dict] | None = None,
    message_key: str | None = None,
) -> None:
    """A reply in the brief's thread; `message_key` keeps where it was posted, to update it."""
    payload = {
        "channel": channel_of(brief.thread_key),
        "thread_ts": ts_of(brief.thread_key),
        "text": text,
        "unfurl_links": False,
    }
    if extra_blocks:
        payload["blocks"] = [blocks.section(text).to_dict(), *extra_blocks]
    hold(session, brief.id)  # the thread's writer, before its outbox row: bot.briefs.lock
    enqueue(
        session,
        "chat.postMessage",
        payload,
        ordering_key=brief.thread_key,
        message_key=message_key,
    )


def _thread_text(
    policy: Policy,
    brief: Brief,
    action: Action,
    actor: str,
    reason: str | None,
    stage_before: str | None,
) -> str:
    quoted = f"\n>{escape(reason)}" if reason else ""
    then = "\n" if reason else " "  # after a quoted reason, the next words start a new line
    stage = stage_label(policy, stage_before)
    next_up = (
        f"Waiting on {waiting_phrase(policy, brief)} review."
        if brief.state == BriefState.IN_REVIEW
        else ""
    )
    if action == Action.SUBMIT:
        return f"{actor} submitted this brief. {next_up}"
    if action == Action.RESUBMIT:
        return f"{actor} resubmitted this brief (round {brief.round}). {next_up}"
    if action == Action.REOPEN:
        return (
            f"{actor} reopened this brief: it is a draft again (round {brief.round}); earlier "
            f"approvals no longer count. *Edit & resubmit* on the brief above sends it for review."
        )
    if action == Action.APPROVE and brief.state == BriefState.APPROVED:
        return (
            f"{actor} approved *{stage}*.{quoted}{then}Every stage has approved: "
            f"{blocks.user(brief.requester_id)}, brief #{brief.id} is approved :white_check_mark:"
        )
    if action == Action.APPROVE:
        return f"{actor} approved *{stage}*.{quoted}{then}{next_up}"
    if action == Action.REQUEST_CHANGES:
        return (
            f"{actor} requested changes at *{stage}*:{quoted}\n"
            f"{blocks.user(brief.requester_id)}, use *Edit & resubmit* on the brief above."
        )
    if action == Action.REJECT:
        return f"{actor} rejected this brief at *{stage}*:{quoted}"
    if action == Action.CANCEL:
        return f"{actor} cancelled this brief{':' if reason else '.'}{quoted}"
    if action == Action.SCHEDULE:
        return f"{actor} marked this brief scheduled :calendar:"
    if action == Action.GO_LIVE:
        return f"{actor} marked this brief live :rocket:"
    return f"{actor}: {action.value.replace('_', ' ')} ({state_words(brief)})."


def decision_ack(action: Action, brief: Brief) -> str:
    verb = {
        Action.APPROVE: "approved",
        Action.REQUEST_CHANGES: "requested changes on",
        Action.REJECT: "rejected",
    }.get(action, action.value)
    return f"You {verb} brief #{brief.id}; it is now {state_words(brief)}."
