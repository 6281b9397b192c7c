"""The emulated workspace's live state behind one lock: messages, views, triggers, files, calls.

Web API methods, the driver and tests all read and change it through this class; every change
wakes `wait_for` and is passed to subscribers (outside the lock, so they may call back in).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bot.emulator.records import Call, Change, Message, UploadedFile
from bot.emulator.scopes import manifest_commands, manifest_scopes
from bot.emulator.seed import Channel, Seed, User

# How long a test waits for the bot before calling it stuck. A wait returns the moment the thing
# happens, so a generous deadline costs a passing test nothing; a tight one (5 s) failed now and
# then when the suite ran in two processes on two cores and the bot's thread waited for a core.
PATIENCE = 30.0

log = logging.getLogger("mopsbot.emulator")


class Workspace:
    def __init__(
        self,
        seed: Seed,
        scopes: frozenset[str] | None = None,
        commands: frozenset[str] | None = None,
    ) -> None:
        self.seed = seed
        # The bot token's scopes: what manifest.yaml asks for, unless a test grants fewer.
        self.scopes: frozenset[str] = manifest_scopes() if scopes is None else scopes
        # The slash commands the app registered: manifest.yaml's, unless a test's app has others.
        self.commands: frozenset[str] = manifest_commands() if commands is None else commands
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.users: dict[str, User] = {u.id: u for u in (seed.bot, *seed.users)}
        self.channels: dict[str, Channel] = {
            c.id: c for c in (*seed.channels, *seed.direct_messages)
        }
        self.usergroups = {g.id: g for g in seed.usergroups}
        self._members: dict[str, set[str]] = {c.id: set(c.members) for c in seed.channels}
        self._archived: set[str] = set()  # channel ids: read-only, nobody can post there
        self._messages: dict[str, dict[str, Message]] = {c: {} for c in self.channels}
        self._ephemerals: list[Message] = []
        self.view_stacks: dict[str, list[dict[str, Any]]] = {}
        self.homes: dict[str, dict[str, Any]] = {}
        self.triggers: dict[str, tuple[str, float, bool]] = {}  # id -> (user, issued, used)
        self.response_urls: dict[str, dict[str, Any]] = {}
        self.files: dict[str, UploadedFile] = {}
        self.calls: list[Call] = []
        self._subscribers: list[Callable[[Change], None]] = []
        self._seq = 0
        self._ids = itertools.count(1)
        self._last_ts = 0.0

    # -- identity -------------------------------------------------------------------------
    def next_id(self, prefix: str, width: int = 8) -> str:
        with self.lock:
            return f"{prefix}{next(self._ids):0{width}d}"

    def next_ts(self) -> str:
        """Slack's message ids: epoch seconds with six decimals, unique and increasing."""
        with self.lock:
            self._last_ts = max(round(time.time(), 6), round(self._last_ts + 0.000001, 6))
            return f"{self._last_ts:.6f}"

    def channel(self, ref: str | None) -> Channel | None:
        """A channel by id, #name or name; a user id means that person's DM with the bot."""
        if not ref:
            return None
        if ref in self.channels:
            return self.channels[ref]
        if ref in self.users:
            return self.seed.dm_for(ref)
        name = ref.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def user(self, ref: str | None) -> User | None:
        if not ref:
            return None
        ref = ref.removeprefix("@")
        return self.users.get(ref) or next((u for u in self.users.values() if u.name == ref), None)

    # -- membership ------------------------------------------------------------------------
    def is_member(self, channel: Channel, user_id: str) -> bool:
        """A DM holds its person and the bot; a channel holds whoever joined or was invited."""
        if channel.is_im:
            return user_id in (channel.user, self.seed.bot.id)
        with self.lock:
            return user_id in self._members.get(channel.id, set())

    def members_of(self, channel: Channel) -> list[str]:
        if channel.is_im:
            return [channel.user or "", self.seed.bot.id]
        with self.lock:
            return sorted(self._members.get(channel.id, set()))

    def join(self, channel: Channel, user_id: str) -> None:
        """Someone joins, or is invited (`/invite @mopsbot` for the bot)."""
        with self.lock:
            self._members.setdefault(channel.id, set()).add(user_id)

    def leave(self, channel: Channel, user_id: str) -> None:
        with self.lock:
            self._members.get(channel.id, set()).discard(user_id)

    def archive(self, channel: Channel) -> None:
        """Someone archives the channel: its history stays readable; nobody posts there."""
        if channel.is_im:
            raise ValueError("a direct message can't be archived")
        with self.lock:
            self._archived.add(channel.id)

    def unarchive(self, channel: Channel) -> None:
        with self.lock:
            self._archived.discard(channel.id)

    def is_archived(self, channel: Channel) -> bool:
        with self.lock:
            return channel.id in self._archived

    def writable(self, channel: Channel) -> Channel:
        """`channel`, where a person can type; ValueError when it is archived (Slack shows an
        archived channel read-only, with no composer)."""
        if self.is_archived(channel):
            raise ValueError(f"#{channel.name} is archived: Slack shows it read-only")
        return channel

    # -- change plumbing ------------------------------------------------------------------
    @contextmanager
    def mutate(self) -> Iterator[list[Change]]:
        changes: list[Change] = []
        with self.lock:
            yield changes
            self.changed.notify_all()
        for change in changes:
            for callback in list(self._subscribers):
                try:
                    callback(change)
                except Exception:  # a broken subscriber must not break the Web API
                    log.exception("emulator subscriber failed")

    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        with self.lock:
            self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def record_call(self, call: Call) -> None:
        with self.mutate():
            self.calls.append(call)

    def _stamp(self, message: Message) -> Message:
        self._seq += 1
        return dataclasses.replace(message, seq=self._seq)

    @property
    def seq(self) -> int:
        with self.lock:
            return self._seq

    # -- messages -------------------------------------------------------------------------
    def add_message(self, message: Message) -> Message:
        with self.mutate() as changes:
            message = self._stamp(message)
            if message.ephemeral_to:
                self._ephemerals.append(message)
                changes.append(Change("ephemeral", message, user=message.ephemeral_to))
            else:
                self._messages[message.channel][message.ts] = message
                changes.append(Change("message", message, user=message.user))
        return message

    def replace_message(self, message: Message, kind: str = "message_changed") -> Message:
        with self.mutate() as changes:
            message = self._stamp(message)
            if message.ephemeral_to:
                self._ephemerals = [
                    message if (m.channel, m.ts) == (message.channel, message.ts) else m
                    for m in self._ephemerals
                ]
            else:
                self._messages[message.channel][message.ts] = message
            changes.append(Change(kind, message, user=message.user))
        return message

    def delete_message(self, channel: str, ts: str) -> Message | None:
        with self.mutate() as changes:
            gone = self._messages.get(channel, {}).pop(ts, None)
            if gone is None:
                gone = next(
                    (m for m in self._ephemerals if (m.channel, m.ts) == (channel, ts)), None
                )
                self._ephemerals = [m for m in self._ephemerals if m is not gone]
            if gone is not None:
                changes.append(Change("message_deleted", gone, user=gone.user))
        return gone

    def message(self, channel: str, ts: str) -> Message | None:
        with self.lock:
            found = self._messages.get(channel, {}).get(ts)
            return found or next(
                (m for m in self._ephemerals if (m.channel, m.ts) == (channel, ts)), None
            )

    def messages(self, channel: str, include_threads: bool = False) -> list[Message]:
        with self.lock:
            stored = list(self._messages.get(channel, {}).values())
        return [m for m in stored if include_threads or not m.is_reply]

    def all_messages(self) -> list[Message]:
        with self.lock:
            return [m for c in self._messages.values() for m in c.values()]

    def thread(self, channel: str, ts: str) -> list[Message]:
        with self.lock:
            stored = list(self._messages.get(channel, {}).values())
        return [m for m in stored if m.ts == ts or m.thread_ts == ts]

    def ephemerals(self, user: str | None = None) -> list[Message]:
        with self.lock:
            return [m for m in self._ephemerals if user is None or m.ephemeral_to == user]

    # -- views ------------------------------------------------------------------------------
    def current_view(self, user: str) -> dict[str, Any] | None:
        with self.lock:
            stack = self.view_stacks.get(user) or []
            return stack[-1] if stack else None

    def set_view_stack(self, user: str, stack: list[dict[str, Any]], kind: str) -> None:
        with self.mutate() as changes:
            self.view_stacks[user] = stack
            changes.append(Change(kind, user=user, view=stack[-1] if stack else None))

    def set_home(self, user: str, view: dict[str, Any]) -> None:
        with self.mutate() as changes:
            self.homes[user] = view
            changes.append(Change("home_published", user=user, view=view))

    def find_view(
        self, view_id: str | None = None, external_id: str | None = None
    ) -> tuple[str, str, int] | None:
        """(user, "modal" or "home", index in the stack) of an open view, by id or external id."""
        with self.lock:
            places = [
                (u, "modal", i, v) for u, s in self.view_stacks.items() for i, v in enumerate(s)
            ]
            places += [(u, "home", 0, v) for u, v in self.homes.items()]
            for user, where, index, view in places:
                if (view_id and view.get("id") == view_id) or (
                    external_id and view.get("external_id") == external_id
                ):
                    return user, where, index
        return None

    # -- triggers ---------------------------------------------------------------------------
    def issue_trigger(self, user: str) -> str:
        trigger = f"{self.next_id('', 10)}.{int(time.time())}.emulator"
        with self.lock:
            self.triggers[trigger] = (user, time.monotonic(), False)
        return trigger

    def use_trigger(self, trigger: str | None, ttl: float) -> tuple[str | None, str | None]:
        """(user, None) for a fresh trigger, consumed; else (None, Slack's error)."""
        with self.lock:
            found = self.triggers.get(trigger or "")
            if found is None:
                return None, "invalid_trigger_id"
            user, issued, used = found
            if used or time.monotonic() - issued > ttl:
                return None, "expired_trigger_id"
            self.triggers[trigger or ""] = (user, issued, True)
            return user, None

    # -- waiting ----------------------------------------------------------------------------
    def wait_for(self, predicate: Callable[[], Any], timeout: float, description: str) -> Any:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.changed.wait(remaining)
            recent = (
                ", ".join(f"{c.method}({'ok' if c.ok else c.error})" for c in self.calls[-8:])
                or "none"
            )
        raise TimeoutError(
            f"waited {timeout:g}s for {description}; the bot's last Web API calls: {recent}"
        )
