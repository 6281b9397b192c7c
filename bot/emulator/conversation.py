"""`Slack`: tests that read like a conversation (errbot's testbot, on our emulator).

    msg = slack.command("/brief new", as_user="rita", channel="marketing")
    parent = slack.wait_for_message("New brief", channel="marketing")
    slack.click("Approve", as_user="bram", message=parent)
    assert "approved" in slack.thread(parent).messages[-1].text

Every action remembers the emulator's change counter, so `wait_for_message` waits for what
the bot says *after* the last thing a person did, not for an older message that happens to match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.emulator.driver import SlackDriver
from bot.emulator.payloads import find_element
from bot.emulator.queries import MessageMatch
from bot.emulator.records import Message
from bot.emulator.server import SlackEmulator
from bot.emulator.signed import DeliveryResult
from bot.emulator.workspace import PATIENCE


@dataclass(frozen=True)
class Thread:
    parent: Message
    messages: list[Message]  # the parent first, then the replies, oldest first

    @property
    def replies(self) -> list[Message]:
        return self.messages[1:]


class Slack:
    def __init__(self, emulator: SlackEmulator, driver: SlackDriver) -> None:
        self.emulator = emulator
        self.driver = driver
        self.mark = emulator.seq  # change counter at the last person's action

    def _acting(self) -> None:
        self.mark = self.emulator.seq

    # -- what people do --------------------------------------------------------------------
    def command(self, line: str, as_user: str, channel: str = "marketing") -> DeliveryResult:
        self._acting()
        return self.driver.command(line, as_user, channel)

    def say(
        self,
        text: str,
        as_user: str,
        channel: str = "marketing",
        thread: Message | str | None = None,
    ) -> Message:
        self._acting()
        thread_ts = thread.ts if isinstance(thread, Message) else thread
        result = self.driver.message(channel, as_user, text, thread_ts=thread_ts)
        assert result.message is not None
        return result.message

    def upload(
        self,
        filename: str,
        content: bytes | str,
        as_user: str,
        channel: str = "marketing",
        thread: Message | str | None = None,
        text: str = "",
        alt_text: str | None = None,
    ) -> Message:
        """Share a file (in a thread, with `thread`), as dragging it into Slack does, with the
        message typed beside it and, for an image, the alt text typed in Slack's dialog."""
        self._acting()
        thread_ts = thread.ts if isinstance(thread, Message) else thread
        data = content.encode() if isinstance(content, str) else content
        result = self.driver.share_file(
            channel, as_user, filename, data, thread_ts=thread_ts, text=text, alt_text=alt_text
        )
        assert result.message is not None
        return result.message

    def click(
        self, button: str, as_user: str, message: Message | None = None, value: str | None = None
    ) -> DeliveryResult:
        """Press `button` (its text or action_id) in `message`; without one, in the person's
        open modal, their home tab, or the newest message that has such a button."""
        self._acting()
        target = message if message is not None else self._target_of(button, as_user, value)
        if isinstance(target, Message):
            target = self.emulator.message(target.channel, target.ts) or target  # latest edit
        return self.driver.click(target, button, as_user, value=value)

    def select(
        self, menu: str, option: str, as_user: str, message: Message | None = None
    ) -> DeliveryResult:
        self._acting()
        target = message if message is not None else self._target_of(menu, as_user, None)
        return self.driver.select(target, menu, option, as_user)

    def submit(self, values: dict[str, Any] | None = None, *, as_user: str) -> DeliveryResult:
        """Fill in the person's open modal (inputs by label, block_id or action_id) and submit."""
        self._acting()
        return self.driver.submit_view(as_user, values or {})

    def open_home(self, as_user: str) -> DeliveryResult:
        self._acting()
        return self.driver.app_home_opened(as_user)

    def _target_of(self, action: str, user: str, value: str | None) -> Message | dict[str, Any]:
        who = self.emulator.user(user).id
        candidates: list[Message | dict[str, Any]] = []
        candidates += [v for v in (self.emulator.current_view(who), self.emulator.home(who)) if v]
        pool = self.emulator.workspace.all_messages() + self.emulator.ephemerals(who)
        newest_first: list[Message] = sorted(pool, key=lambda m: m.ts, reverse=True)
        candidates += newest_first
        for candidate in candidates:
            blocks = (
                candidate.blocks
                if isinstance(candidate, Message)
                else candidate.get("blocks") or []
            )
            try:
                find_element(blocks, action, value)
                return candidate
            except LookupError:
                continue
        raise LookupError(f"{user} sees no {action!r} to press anywhere")

    # -- what people see -------------------------------------------------------------------
    def thread(self, message: Message) -> Thread:
        messages = self.emulator.thread(message.channel, message.thread_ts or message.ts)
        return Thread(messages[0] if messages else message, messages)

    def messages(self, channel: str = "marketing", include_threads: bool = False) -> list[Message]:
        return self.emulator.messages(channel, include_threads)

    def last_message(
        self, channel: str = "marketing", include_threads: bool = False
    ) -> Message | None:
        found = self.emulator.messages(channel, include_threads)
        return found[-1] if found else None

    def ephemerals_for(self, user: str) -> list[Message]:
        return self.emulator.ephemerals(user)

    def last_ephemeral(self, user: str) -> Message | None:
        found = self.emulator.ephemerals(user)
        return found[-1] if found else None

    def wait_for_message(
        self,
        match: MessageMatch | Callable[[Message], bool],
        channel: str | None = None,
        timeout: float = PATIENCE,
        ephemeral: bool = False,
    ) -> Message:
        """The first message created or edited since the last action that matches (a
        substring of what it shows, or a predicate); the bot's outbox posts asynchronously."""
        return self.emulator.wait_for_message(
            match, channel, since=self.mark, timeout=timeout, ephemeral=ephemeral
        )

    def view_of(self, user: str) -> dict[str, Any] | None:
        return self.emulator.current_view(user)

    def wait_for_view(self, user: str, timeout: float = PATIENCE) -> dict[str, Any]:
        return self.emulator.wait_for(
            lambda: self.emulator.current_view(user), timeout, f"a modal open for {user}"
        )

    def home_of(self, user: str) -> dict[str, Any] | None:
        return self.emulator.home(user)
