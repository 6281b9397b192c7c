"""The channels the bot must post in: can it, and what happens when Slack refuses a post.

Slack answers `not_in_channel` when the bot was never invited (the manifest has no
`chat:write.public`, see README), and `channel_not_found` for a channel that is gone or private
without the bot. Such a refusal is final, so the message is lost: the outbox's failure hook calls
`note_refusal`, which records the channel once per day, so the ops admins hear of it once a day
per channel, not once per message. `check` asks Slack (conversations.info) about every channel the
policy names; the start-up log and `/mops health` show its answer.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.slack.models import OutboxMessage, UnreachableChannel
from bot.slack.outbox import FILE_UPLOAD
from policies import access
from policies.schema import Policy

# Errors that mean "this channel will not take the bot's posts until an admin acts" (file
# uploads say posting_to_channel_denied and invalid_channel for not_in_channel and not_found).
REFUSALS = {
    "not_in_channel",
    "channel_not_found",
    "is_archived",
    "posting_to_channel_denied",
    "invalid_channel",
}
# Calls that post into a channel (an ephemeral failing goes back to the person who asked).
POSTING = {"chat.postMessage", "chat.update", FILE_UPLOAD}
WRITE_PUBLIC = "chat:write.public"
INVITE = "`/invite @mopsbot`"


def policy_channels(policy: Policy) -> dict[str, list[str]]:
    """Every channel the policy names, with what the bot posts there (in people's words)."""
    found: dict[str, list[str]] = {}

    def add(channel: str | None, purpose: str) -> None:
        if channel and channel[0] in "CG":  # a channel id, not a person
            found.setdefault(channel, []).append(purpose)

    add(policy.channels.briefs, "new briefs")
    target = policy.reminders.escalate_to
    add(policy.channels.escalations if target.startswith("@") else target, "escalations")
    for digest in policy.digests.channels:
        add(digest.channel, "the daily digest")
    for channel in policy.intake.channels:
        add(channel, "intake requests")
    return found


# -- refusals from the outbox ----------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    channel: str
    error: str
    method: str


def refusal_of(row: OutboxMessage, error: str | None) -> Refusal | None:
    """A post into a channel that Slack refused for the channel's sake, else None."""
    channel = row.payload.get("channel")
    if error not in REFUSALS or row.method not in POSTING or not isinstance(channel, str):
        return None
    return Refusal(channel, error, row.method) if channel[:1] in ("C", "G") else None


def note_refusal(session: Session, refusal: Refusal, now: datetime) -> bool:
    """Record the refusal in the caller's transaction; True for the channel's first one today
    (the one to tell the ops admins about)."""
    row = UnreachableChannel(
        channel=refusal.channel,
        day=now.astimezone(UTC).date().isoformat(),
        error=refusal.error,
        method=refusal.method,
        first_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False  # already noted today (here, or by another instance)
    return True


def refused_today(session: Session, now: datetime) -> list[UnreachableChannel]:
    day = now.astimezone(UTC).date().isoformat()
    return list(
        session.scalars(
            select(UnreachableChannel)
            .where(UnreachableChannel.day == day)
            .order_by(UnreachableChannel.first_at)
        )
    )


def ops_admin_ids(policy: Policy, members: Callable[[str], frozenset[str]]) -> set[str]:
    """The ops admins as user ids; `members` expands a user group (the Directory's)."""
    people: set[str] = set()
    for ref in policy.roles.ops_admins:
        group = access.group_for_ref(policy, ref)
        people |= members(group.usergroup_id) if group is not None else {ref}
    return people


def refusal_text(refusal: Refusal, purposes: list[str]) -> str:
    """The DM to each ops admin: what was lost, why, and the one thing that fixes it."""
    what = f" (where I post {' and '.join(purposes)})" if purposes else ""
    lost = "a file" if refusal.method == FILE_UPLOAD else "a message"
    not_member = f"I'm not a member of it. Invite me there with {INVITE}."
    not_found = (
        "Slack can't find it: it was deleted, or it is private and I'm not in it. Invite me "
        f"with {INVITE}, or point the policy at another channel."
    )
    why = {
        "not_in_channel": not_member,
        "posting_to_channel_denied": not_member,
        "channel_not_found": not_found,
        "invalid_channel": not_found,
        "is_archived": "It is archived. Unarchive it, or point the policy at another channel.",
    }[refusal.error]
    return (
        f":warning: I couldn't post {lost} in <#{refusal.channel}>{what}: {why} "
        "Until then, what I post there is lost. I tell you about a channel at most once a day; "
        "`/mops health` lists every channel I can't post in."
    )


# -- asking Slack ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelCheck:
    channel: str
    purposes: list[str]
    can_post: bool | None  # None: Slack did not say (an error other than the channel's)
    problem: str = ""  # why not, in people's words


def check(client: WebClient, policy: Policy, timeout: float = 5.0) -> list[ChannelCheck]:
    """Can the bot post in each channel the policy names? One conversations.info each, in
    parallel (Tier 3): the answer's `is_member`, and the token's scopes (X-OAuth-Scopes)."""
    channels = policy_channels(policy)
    if not channels:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(channels))) as pool:
        futures = [
            pool.submit(_check_one, client, channel, purposes)
            for channel, purposes in channels.items()
        ]
        return [future.result(timeout=timeout) for future in futures]


def _check_one(client: WebClient, channel: str, purposes: list[str]) -> ChannelCheck:
    try:
        response = client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if error == "channel_not_found":
            return ChannelCheck(
                channel, purposes, False, "Slack can't find it (deleted, or private without me)"
            )
        return ChannelCheck(channel, purposes, None, f"Slack didn't say ({error or 'no answer'})")
    except Exception as exc:  # no connection: say so, don't guess
        return ChannelCheck(channel, purposes, None, f"Slack didn't say ({type(exc).__name__})")
    info = response.get("channel") or {}
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    scopes = {s.strip() for s in str(headers.get("x-oauth-scopes", "")).split(",")}
    if info.get("is_archived"):
        return ChannelCheck(
            channel, purposes, False, "it is archived: unarchive it, or point the policy elsewhere"
        )
    if info.get("is_member"):
        return ChannelCheck(channel, purposes, True)
    if not info.get("is_private") and WRITE_PUBLIC in scopes:
        return ChannelCheck(channel, purposes, True)
    return ChannelCheck(channel, purposes, False, f"I'm not a member: {INVITE} there")
