"""Who and where: auth.test, users.*, conversations.*, usergroups.*."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.emulator.api import ApiCall, Method, SlackError
from bot.emulator.records import Message
from bot.emulator.seed import Channel, User
from bot.emulator.workspace import Workspace

CREATED = 1_700_000_000  # a fixed creation time keeps answers stable between runs


def user_object(ws: Workspace, user: User) -> dict[str, Any]:
    now = datetime.now(UTC).astimezone(ZoneInfo(user.tz))
    offset = now.utcoffset()
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.display_name,
        "display_name_normalized": user.display_name,
        "email": None if user.is_bot else f"{user.name}@{ws.seed.team.domain}.example",
        "team": ws.seed.team.id,
        "image_48": "",
    }
    if user.bot_id:
        profile["bot_id"] = user.bot_id
    return {
        "id": user.id,
        "team_id": ws.seed.team.id,
        "name": user.name,
        "deleted": False,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": now.tzname(),
        "tz_offset": int(offset.total_seconds()) if offset else 0,
        "is_admin": False,
        "is_owner": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": CREATED,
        "profile": profile,
    }


def channel_object(ws: Workspace, channel: Channel) -> dict[str, Any]:
    if channel.is_im:
        return {
            "id": channel.id,
            "created": CREATED,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.user,
            "is_user_deleted": False,
            "priority": 0,
        }
    return {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": ws.is_archived(channel),
        "is_general": False,
        "created": CREATED,
        "creator": ws.seed.users[0].id,
        "is_member": ws.is_member(channel, ws.seed.bot.id),
        "is_shared": False,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": channel.purpose, "creator": "", "last_set": 0},
        "num_members": len(ws.members_of(channel)),
    }


def auth_test(call: ApiCall) -> dict[str, Any]:
    seed = call.workspace.seed
    return {
        "url": f"https://{seed.team.domain}.slack.com/",
        "team": seed.team.name,
        "user": seed.bot.name,
        "team_id": seed.team.id,
        "user_id": seed.bot.id,
        "bot_id": seed.bot.bot_id,
        "is_enterprise_install": False,
    }


def users_info(call: ApiCall) -> dict[str, Any]:
    user = call.workspace.users[call.user_id()]
    return {"user": user_object(call.workspace, user)}


def users_list(call: ApiCall) -> dict[str, Any]:
    """A page of `limit` people (all of them without one) from `cursor` on, as Slack pages."""
    ws = call.workspace
    everyone = list(ws.users.values())
    start = _offset(call.args.text("cursor"))
    limit = int(call.args.text("limit") or 0) or len(everyone)
    page = everyone[start : start + limit]
    more = start + limit < len(everyone)
    return {
        "members": [user_object(ws, u) for u in page],
        "cache_ts": CREATED,
        "response_metadata": {"next_cursor": f"dXNlcjo{start + limit}" if more else ""},
    }


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.startswith("dXNlcjo") or not cursor[7:].isdigit():
        raise SlackError("invalid_cursor")
    return int(cursor[7:])


def conversations_info(call: ApiCall) -> dict[str, Any]:
    channel = call.channel()
    if channel.is_private and not call.workspace.is_member(channel, call.workspace.seed.bot.id):
        raise SlackError("channel_not_found")  # a private channel the bot is not in is hidden
    return {"channel": channel_object(call.workspace, channel)}


def conversations_open(call: ApiCall) -> dict[str, Any]:
    ws = call.workspace
    if call.args.text("channel"):
        channel = call.channel()
    else:
        users = [u for u in (call.args.text("users") or "").split(",") if u]
        if len(users) != 1:
            raise SlackError("not_supported" if users else "users_list_not_supplied")
        if users[0] == ws.seed.bot.id:
            raise SlackError("cannot_dm_bot")
        found = ws.seed.dm_for(users[0])
        if found is None:
            raise SlackError("user_not_found")
        channel = found
    full = channel_object(ws, channel)
    return {
        "channel": full if call.args.flag("return_im") else {"id": channel.id},
        "already_open": True,
    }


def conversations_members(call: ApiCall) -> dict[str, Any]:
    channel = call.channel()
    if channel.is_private and not call.workspace.is_member(channel, call.workspace.seed.bot.id):
        raise SlackError("channel_not_found")  # a private channel the bot is not in is hidden
    return {
        "members": call.workspace.members_of(channel),
        "response_metadata": {"next_cursor": ""},
    }


def _conversation_to_read(call: ApiCall) -> Channel:
    """The conversation history and replies read: by its id (Slack takes no user id here: a
    DM's id comes from conversations.open), one the bot is in."""
    if (call.args.text("channel") or "") in call.workspace.users:
        raise SlackError("channel_not_found")
    return call.postable_channel(public_scope=False, reading=True)


def _page(call: ApiCall, messages: list[Message], include_metadata: bool) -> dict[str, Any]:
    """One page of `messages` (in the order given) from the call's cursor, `limit` long."""
    start = _offset(call.args.text("cursor"))
    limit = max(1, min(int(call.args.text("limit") or 100), 1000))
    page = messages[start : start + limit]
    more = start + limit < len(messages)
    team = call.workspace.seed.team.id
    return {
        "messages": [m.as_slack(team, metadata=include_metadata) for m in page],
        "has_more": more,
        "response_metadata": {"next_cursor": f"dXNlcjo{start + limit}" if more else ""},
    }


def _in_window(call: ApiCall, messages: list[Message]) -> list[Message]:
    """Messages between `oldest` and `latest` (exclusive unless `inclusive`), as Slack reads."""
    oldest = float(call.args.text("oldest") or 0)
    latest = float(call.args.text("latest") or "inf")
    inclusive = bool(call.args.flag("inclusive"))

    def within(ts: str) -> bool:
        value = float(ts)
        if inclusive:
            return oldest <= value <= latest
        return oldest < value < latest

    return [m for m in messages if within(m.ts)]


def conversations_replies(call: ApiCall) -> dict[str, Any]:
    ws, channel = call.workspace, _conversation_to_read(call)
    parent = ws.message(channel.id, call.args.text("ts") or "")
    if parent is None or parent.ephemeral_to:
        raise SlackError("thread_not_found")
    root = parent.thread_ts or parent.ts
    thread = ws.thread(channel.id, root)
    window = [thread[0], *_in_window(call, thread[1:])] if thread else []
    answer = _page(call, window, bool(call.args.flag("include_all_metadata")))
    out = answer["messages"]
    replies = thread[1:]
    if replies and out and out[0]["ts"] == root:
        out[0].update(
            thread_ts=root,
            reply_count=len(replies),
            latest_reply=replies[-1].ts,
            reply_users=sorted({m.user for m in replies}),
        )
    return answer


def conversations_history(call: ApiCall) -> dict[str, Any]:
    ws, channel = call.workspace, _conversation_to_read(call)
    newest_first = list(reversed(_in_window(call, ws.messages(channel.id))))
    return _page(call, newest_first, bool(call.args.flag("include_all_metadata")))


def usergroups_list(call: ApiCall) -> dict[str, Any]:
    ws = call.workspace
    groups = []
    for group in ws.usergroups.values():
        item: dict[str, Any] = {
            "id": group.id,
            "team_id": ws.seed.team.id,
            "is_usergroup": True,
            "name": group.name,
            "handle": group.handle,
            "description": "",
            "is_external": False,
            "date_create": CREATED,
            "date_delete": 0,
            "user_count": len(group.users),
        }
        if call.args.flag("include_users"):
            item["users"] = list(group.users)
        groups.append(item)
    return {"usergroups": groups}


def usergroups_users_list(call: ApiCall) -> dict[str, Any]:
    group = call.workspace.usergroups.get(call.args.text("usergroup") or "")
    if group is None:
        raise SlackError("no_such_subteam")
    return {"users": list(group.users)}


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.list": users_list,
    "conversations.info": conversations_info,
    "conversations.open": conversations_open,
    "conversations.members": conversations_members,
    "conversations.replies": conversations_replies,
    "conversations.history": conversations_history,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
}
