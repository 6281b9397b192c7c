"""What tests, the driver and the shell ask of the emulated workspace, and the people's side of it.

Channels and users may be named by id or by name ("marketing", "#marketing", "rita", "@rita").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.emulator.records import Call, Change, Message, UploadedFile
from bot.emulator.render import plain_text
from bot.emulator.seed import Channel, User
from bot.emulator.validation import with_ids
from bot.emulator.workspace import PATIENCE, Workspace

MessageMatch = str | Callable[[Message], bool]


class WorkspaceQueries:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    # -- who and where ----------------------------------------------------------------------
    def user(self, ref: str) -> User:
        found = self.workspace.user(ref)
        if found is None:
            names = ", ".join(u.name for u in self.workspace.users.values())
            raise KeyError(f"no user {ref!r} in the emulated workspace (there are: {names})")
        return found

    def channel(self, ref: str) -> Channel:
        found = self.workspace.channel(ref)
        if found is None:
            names = ", ".join(c.name for c in self.workspace.seed.channels)
            raise KeyError(f"no channel {ref!r} in the emulated workspace (there are: {names})")
        return found

    # -- what happened ----------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self.workspace.lock:
            return list(self.workspace.calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def seq(self) -> int:
        """The change counter: pass it as `since` to wait only for what comes after now."""
        return self.workspace.seq

    def messages(self, channel: str, include_threads: bool = False) -> list[Message]:
        return self.workspace.messages(self.channel(channel).id, include_threads)

    def message(self, channel: str, ts: str) -> Message | None:
        return self.workspace.message(self.channel(channel).id, ts)

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The parent and its replies, oldest first; `ts` may be the parent's or a reply's."""
        channel_id = self.channel(channel).id
        found = self.workspace.message(channel_id, ts)
        return self.workspace.thread(channel_id, (found.thread_ts or ts) if found else ts)

    def ephemerals(self, user: str | None = None) -> list[Message]:
        return self.workspace.ephemerals(self.user(user).id if user else None)

    def current_view(self, user: str) -> dict[str, Any] | None:
        return self.workspace.current_view(self.user(user).id)

    def views(self, user: str) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return list(self.workspace.view_stacks.get(self.user(user).id) or [])

    def home(self, user: str) -> dict[str, Any] | None:
        with self.workspace.lock:
            return self.workspace.homes.get(self.user(user).id)

    @property
    def files(self) -> dict[str, UploadedFile]:
        with self.workspace.lock:
            return dict(self.workspace.files)

    # -- the people's side --------------------------------------------------------------------
    def record_user_message(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None = None,
        files: list[dict[str, Any]] | None = None,
    ) -> Message:
        """A person posts `text` as Slack stores it (the driver's `message()` encodes what they
        typed and tells the bot about it). Posting in a channel joins it, as in Slack."""
        where, who = self.channel(channel), self.user(user)
        self.workspace.join(self.workspace.writable(where), who.id)
        if thread_ts is not None:
            parent = self.workspace.message(where.id, thread_ts)
            if parent is None:
                raise KeyError(f"no message {thread_ts} in #{where.name} to reply to")
            thread_ts = parent.thread_ts or parent.ts
        return self.workspace.add_message(
            Message(
                channel=where.id,
                ts=self.workspace.next_ts(),
                user=who.id,
                text=text,
                thread_ts=thread_ts,
                files=files or [],
            )
        )

    def record_ephemeral(
        self,
        channel: str,
        user: str,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> Message:
        """Something from the bot only `user` sees (a command's ack, a response_url reply)."""
        bot = self.workspace.seed.bot
        return self.workspace.add_message(
            Message(
                channel=self.channel(channel).id,
                ts=self.workspace.next_ts(),
                user=bot.id,
                bot_id=bot.bot_id,
                text=text,
                blocks=with_ids(blocks or []),
                thread_ts=thread_ts,
                ephemeral_to=self.user(user).id,
            )
        )

    def invite(self, channel: str, user: str = "mopsbot") -> None:
        """`/invite @user` in `channel` (by default the bot, as the README tells an admin)."""
        self.workspace.join(self.channel(channel), self.user(user).id)

    def remove(self, channel: str, user: str = "mopsbot") -> None:
        """`/remove @user` from `channel`: the bot can no longer post there."""
        self.workspace.leave(self.channel(channel), self.user(user).id)

    def archive(self, channel: str) -> None:
        """`/archive` in `channel`: read-only from now on; the bot's posts there are refused."""
        self.workspace.archive(self.channel(channel))

    def unarchive(self, channel: str) -> None:
        self.workspace.unarchive(self.channel(channel))

    def is_member(self, channel: str, user: str = "mopsbot") -> bool:
        return self.workspace.is_member(self.channel(channel), self.user(user).id)

    # -- waiting and watching -----------------------------------------------------------------
    def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = PATIENCE,
        description: str | None = None,
    ) -> Any:
        """Block until `predicate()` is truthy (re-checked on every change); return its value."""
        return self.workspace.wait_for(predicate, timeout, description or "a condition")

    def wait_for_message(
        self,
        match: MessageMatch,
        channel: str | None = None,
        *,
        since: int = 0,
        timeout: float = PATIENCE,
        ephemeral: bool = False,
    ) -> Message:
        """The first message (thread replies included) created or edited after change `since`
        whose text contains `match` (or for which `match(message)` is true)."""
        test = (lambda m: match in plain_text(m)) if isinstance(match, str) else match
        channel_id = self.channel(channel).id if channel else None

        def found() -> Message | None:
            pool = self.workspace.ephemerals() if ephemeral else self.workspace.all_messages()
            return next(
                (
                    m
                    for m in sorted(pool, key=lambda m: m.seq)
                    if m.seq > since and (channel_id is None or m.channel == channel_id) and test(m)
                ),
                None,
            )

        where = f" in {channel}" if channel else ""
        what = repr(match) if isinstance(match, str) else getattr(match, "__name__", "a match")
        return self.wait_for(found, timeout, f"a message{where} matching {what}")

    def wait_for_call(self, method: str, *, after: int = 0, timeout: float = PATIENCE) -> Call:
        """The first call to `method` past the first `after` calls of the log."""
        return self.wait_for(
            lambda: next((c for c in self.calls[after:] if c.method == method), None),
            timeout,
            f"a call to {method}",
        )

    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call `callback(change)` on every new, edited or deleted message and view change.
        Runs on the thread that made the change: keep it short. Returns an unsubscribe."""
        return self.workspace.subscribe(callback)
