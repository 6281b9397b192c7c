"""The local shell: a person in a terminal, acting as one of the seeded users, talking to the bot.

Works the same with a keyboard and with a pipe (a scripted session): each line is echoed when it
does not come from a terminal, and after every action the shell waits until the bot has been quiet
for a moment before reading on, so a transcript is the same from run to run.
"""

from __future__ import annotations

import dataclasses
import queue
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.emulator.driver import SlackDriver
from bot.emulator.records import Change, Message
from bot.emulator.render import ActionRef, Names, real_now, render_blocks, render_message
from bot.emulator.server import SlackEmulator
from bot.emulator.shell_form import fill_modal

GUIDE = """\
mopsbot shell: you are @{user} in #{channel}. Type `help` for commands.
  /brief new     a slash command          hello          a message in this channel (or thread)
  click 2        press button [2]         thread 3       open the thread of message (3)
  as bram        act as another person    channel intake switch channel
  home           open the App Home        quit           leave"""

HELP = """\
/command args   run a slash command, as Slack would send it to the bot
/invite @name   add someone (the bot: @mopsbot) to this channel; /remove @name takes them out
/archive        archive this channel (read-only until the shell restarts)
<text>          post a message in the current channel, or in the open thread
upload PATH     share a file from this computer into the channel, or the open thread;
                words after the path are its message (the caption)
click N [C]     press button [N]; for a menu, C is the choice number (asked if left out)
thread N        open the thread of message (N); `back` returns to the channel
delete N        delete your own message (N); `delete last`: your latest one here
delete file N   delete the file your message (N, or `last`) shared; the message stays
edit N TEXT     change your own message (N, or `last`) to TEXT
show            show the channel (or the open thread) again
channel NAME    switch channel: {channels}
as NAME         act as: {users}
home            open the App Home tab (the bot publishes it)
close           close the open modal (`cancel` at one of its prompts)
users           who is who
quit            leave"""


class Shell:
    def __init__(
        self,
        driver: SlackDriver,
        emulator: SlackEmulator,
        stdin: TextIO,
        stdout: TextIO,
        user: str,
        channel: str,
        quiet: float,
        max_wait: float,
        clock: Callable[[], datetime] = real_now,
    ) -> None:
        self.driver, self.emulator = driver, emulator
        self.stdin, self.stdout = stdin, stdout
        self.interactive = stdin is sys.stdin and stdin.isatty()
        self.user, self.channel = emulator.user(user), emulator.channel(channel)
        self.thread: Message | None = None
        self.quiet, self.max_wait = quiet, max_wait
        self.names = dataclasses.replace(Names.of(emulator.seed), tz=self.user.tz, clock=clock)
        self.changes: queue.SimpleQueue[Change] = queue.SimpleQueue()
        self.listed: list[tuple[str, str]] = []  # (channel, ts) of numbered messages
        self.actions: dict[int, tuple[Any, ActionRef]] = {}
        self.view_touched = False

    # -- input and output -------------------------------------------------------------------
    def say(self, *lines: str) -> None:
        for line in lines:
            self.stdout.write(line.rstrip() + "\n")
        self.stdout.flush()

    def read(self, prompt: str) -> str | None:
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        self.stdout.write(prompt)
        line = self.stdin.readline()
        if not line:
            self.stdout.write("\n")
            return None
        self.stdout.write(line if line.endswith("\n") else line + "\n")
        return line.rstrip("\n")

    # -- the bot's side ---------------------------------------------------------------------
    def settle(self) -> None:
        """Print what arrives until the bot has been quiet for a moment (or max_wait passed)."""
        deadline = time.monotonic() + self.max_wait
        while (left := deadline - time.monotonic()) > 0:
            try:
                change = self.changes.get(timeout=min(self.quiet, left))
            except queue.Empty:
                return
            self.show_change(change)

    def drain(self) -> None:
        for change in self._take_arrived():
            self.show_change(change)

    def show_change(self, change: Change) -> None:
        me, message = self.user.id, change.message
        if change.kind.startswith("view") or change.kind == "home_published":
            if change.user == me:
                self.view_touched = self.view_touched or change.kind != "home_published"
                if change.kind == "view_closed" and change.view is None:
                    self.say("(the modal closed)")
            return
        # A person's own typed line is already on screen; a file they shared is not.
        if message is None or (
            message.user == me and change.kind == "message" and not message.files
        ):
            return
        if message.ephemeral_to and message.ephemeral_to != me:
            return
        if change.kind == "message_deleted":
            self.say("(a message was deleted)")
        elif message.channel == self.channel.id or message.channel == self._my_dm():
            self.show_message(message, edited=change.kind == "message_changed")
        else:
            where = self.emulator.channel(message.channel)
            first = (render_message(message, self.names).lines[1:] or [""])[0].strip()
            place = (
                f"@{self.names.users.get(where.user or '', '?')}'s messages with the bot"
                if where.is_im
                else f"#{where.name}"
            )
            self.say(f"(new in {place}) {self.names.users.get(message.user, '?')}: {first}")

    def _my_dm(self) -> str | None:
        dm = self.emulator.seed.dm_for(self.user.id)
        return dm.id if dm else None

    def show_message(self, message: Message, edited: bool = False) -> None:
        in_thread = self.thread is not None and message.thread_ts == self.thread.ts
        root = message.thread_ts if message.is_reply else None
        if root and not in_thread:
            label = f"in thread ({self._number_of(message.channel, root)})"
        elif in_thread or message.ephemeral_to:
            label = ""
        else:
            label = f"({self._number_of(message.channel, message.ts)})"
        replies = (
            0
            if message.is_reply or self.thread
            else len(self.emulator.thread(message.channel, message.ts)) - 1
        )
        start = max(self.actions, default=0) + 1
        rendered = render_message(message, self.names, start=start, replies=max(replies, 0))
        for ref in rendered.actions:
            self.actions[ref.number] = ((message.channel, message.ts), ref)
        # The author line already says "(edited)" when the message records it.
        edit = "(edited)" if edited and not message.edited else ""
        head = " ".join(p for p in (label, edit, rendered.lines[0]) if p)
        dm = " [DM]" if message.channel == self._my_dm() else ""
        self.say(head + dm, *rendered.lines[1:])

    def _number_of(self, channel: str, ts: str) -> int:
        if (channel, ts) not in self.listed:
            self.listed.append((channel, ts))
        return self.listed.index((channel, ts)) + 1

    def show(self) -> None:
        """List the channel (or the open thread) as it is now. What arrived while the person was
        typing and is in this listing is not printed again after it (a reply that came in just
        before `thread N` would show twice, with two button numbers)."""
        arrived = self._take_arrived()
        self.actions.clear()
        self.listed = []
        if self.thread is not None:
            self.say(f"--- thread in #{self.channel.name} ---")
            listing = self.emulator.thread(self.channel.id, self.thread.ts)
        else:
            self.say(f"--- #{self.channel.name} ---")
            listing = self.emulator.messages(self.channel.id)
        for message in listing:
            self.show_message(message)
        listed = {(message.channel, message.ts) for message in listing}
        for change in arrived:
            changed = change.message
            in_listing = changed is not None and (changed.channel, changed.ts) in listed
            if not (in_listing and change.kind in ("message", "message_changed")):
                self.show_change(change)

    def _take_arrived(self) -> list[Change]:
        arrived = []
        while True:
            try:
                arrived.append(self.changes.get_nowait())
            except queue.Empty:
                return arrived

    # -- a person's commands ----------------------------------------------------------------
    def run(self) -> int:
        self.say(GUIDE.format(user=self.user.name, channel=self.channel.name))
        unsubscribe = self.emulator.subscribe(self.changes.put)
        try:
            while True:
                self.drain()
                where = f"#{self.channel.name}" + (" (thread)" if self.thread else "")
                line = self.read(f"{self.user.name} {where}> ")
                if line is None or line.strip() in ("quit", "exit"):
                    return 0
                if line.strip():
                    self.handle(line.strip())
        finally:
            unsubscribe()

    def handle(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        try:
            if word in ("/invite", "/remove") and rest:
                self.membership(word, rest)
            elif line == "/archive":  # Slack's own, never sent to the bot
                self.emulator.archive(self.channel.id)
                self.thread = None
                self.say(f"(#{self.channel.name} was archived: read-only from now on)")
            elif line.startswith("/"):
                self.act(lambda: self.driver.command(line, self.user.id, self.channel.id))
            elif word == "click" and rest:
                self.click(rest)
            elif word == "as" and rest:
                self.user = self.emulator.user(rest)
                self.names = dataclasses.replace(self.names, tz=self.user.tz)  # their clock
                self.say(f"you are now @{self.user.name}")
            elif word == "channel" and rest:
                self.channel, self.thread = self.emulator.channel(rest), None
                self.show()
            elif word == "thread":
                self.open_thread(rest)
            elif word == "delete" and rest:
                self.delete(rest)
            elif word == "edit" and rest:
                self.edit(rest)
            elif word == "back":
                self.thread = None
                self.show()
            elif word == "show":
                self.show()
            elif word == "home":
                self.home()
            elif word == "close":
                self.driver.close_view(self.user.id)
                self.settle()
            elif word == "users":
                self.users()
            elif word == "upload" and rest:
                self.upload(rest)
            elif word == "help":
                self.say(
                    HELP.format(
                        channels=", ".join(c.name for c in self.emulator.seed.channels),
                        users=", ".join(u.name for u in self.emulator.seed.users),
                    )
                )
            else:
                thread_ts = self.thread.ts if self.thread else None
                self.act(
                    lambda: self.driver.message(
                        self.channel.id, self.user.id, line, thread_ts=thread_ts
                    )
                )
        except (KeyError, LookupError, ValueError) as problem:
            self.say(f"! {problem.args[0] if problem.args else problem}")

    def upload(self, rest: str) -> None:
        """Share a local file, as dragging it into Slack does, with the words typed beside it
        (its caption) after the path."""
        named, _, text = rest.partition(" ")
        path = Path(named).expanduser()
        try:
            content = path.read_bytes()
        except OSError as problem:
            raise LookupError(f"cannot read {named}: {problem.strerror}") from None
        thread_ts = self.thread.ts if self.thread else None
        self.act(
            lambda: self.driver.share_file(
                self.channel.id,
                self.user.id,
                path.name,
                content,
                thread_ts=thread_ts,
                text=text.strip(),
            )
        )

    def membership(self, command: str, rest: str) -> None:
        """Slack's own `/invite @name` and `/remove @name`: they never reach the bot."""
        who = self.emulator.user(rest.split()[0])
        if command == "/invite":
            self.emulator.invite(self.channel.id, who.id)
            self.say(f"(@{who.name} was added to #{self.channel.name})")
        else:
            self.emulator.remove(self.channel.id, who.id)
            self.say(f"(@{who.name} was removed from #{self.channel.name})")

    def act(self, send: Any) -> None:
        self.view_touched = False
        result = send()
        if result is not None and result.status not in (0, 200):
            self.say(f"(the bot answered HTTP {result.status})")
        elif result is not None and result.status == 0 and result.message is not None:
            self.say(
                f"(mopsbot is not in #{self.channel.name}, so Slack doesn't tell it about "
                "messages here; `/invite @mopsbot` adds it)"
            )
        self.settle()
        if self.view_touched:
            fill_modal(self)

    def click(self, rest: str) -> None:
        number, _, choice = rest.partition(" ")
        if not number.isdigit() or int(number) not in self.actions:
            raise LookupError(f"there is no button [{number}] on screen; try `show`")
        where, ref = self.actions[int(number)]
        if isinstance(where, tuple):
            target: Any = self.emulator.workspace.message(*where)
            if target is None:
                raise LookupError("that message is gone")
        else:
            target = (
                self.emulator.home(self.user.id)
                if where == "home"
                else (self.emulator.current_view(self.user.id))
            )
        value = None
        if ref.options:
            value = self.choose(ref.options, choice)
            if value is None:
                return
        if ref.url:
            self.say(f"(opens {ref.url})")
        self.act(
            lambda: self.driver.click(
                target, ref.action_id, self.user.id, value=value if ref.options else ref.value
            )
        )

    def choose(self, options: list[tuple[str, str]], choice: str) -> str | None:
        if not choice:
            for index, (label, _) in enumerate(options, start=1):
                self.say(f"    {index}) {label}")
            choice = self.read("  choose> ") or ""
        if choice.isdigit() and 1 <= int(choice) <= len(options):
            return options[int(choice) - 1][1]
        self.say("! no such choice")
        return None

    def open_thread(self, rest: str) -> None:
        channel, ts = self.numbered(rest)
        message = self.emulator.workspace.message(channel, ts)
        if message is None:
            raise LookupError("that message is gone")
        self.channel, self.thread = self.emulator.channel(channel), message
        self.show()

    def delete(self, rest: str) -> None:
        """Delete your own message (N), or your latest one in the open thread or channel
        (`last`), as its "Delete message..." menu does in Slack; `delete file N` deletes the
        file that message shared instead."""
        of_file = rest.startswith("file ")
        which = rest.removeprefix("file ").strip()
        channel, ts = self.my_last() if which == "last" else self.numbered(which)
        if of_file:
            self.delete_file(channel, ts)
            return
        self.act(lambda: self.driver.delete_message(channel, self.user.id, ts))
        if self.thread is not None and self.thread.ts == ts:
            self.thread = self.emulator.workspace.message(channel, ts)  # its tombstone, or gone
        self.show()

    def delete_file(self, channel: str, ts: str) -> None:
        """Delete the file a message shared, as the file's "Delete file" menu does in Slack."""
        message = self.emulator.workspace.message(channel, ts)
        files = [f for f in (message.files if message else []) if f.get("mode") != "tombstone"]
        if not files:
            raise LookupError("that message shares no file")
        self.act(lambda: self.driver.delete_file(self.user.id, str(files[0]["id"])))
        self.show()

    def edit(self, rest: str) -> None:
        """Edit your own message (N, or `last`) to the words after it."""
        which, _, text = rest.partition(" ")
        if not text.strip():
            raise LookupError("say the new words after the number: `edit 1 the new words`")
        channel, ts = self.my_last() if which == "last" else self.numbered(which)
        self.act(lambda: self.driver.edit_message(channel, self.user.id, ts, text.strip()))
        self.show()

    def my_last(self) -> tuple[str, str]:
        """(channel, ts) of your latest message in the open thread, or else in the channel."""
        here = (
            self.emulator.thread(self.channel.id, self.thread.ts)
            if self.thread is not None
            else self.emulator.messages(self.channel.id)
        )
        mine = [m for m in here if m.user == self.user.id and not m.subtype]
        if not mine:
            raise LookupError("you have no message here")
        return mine[-1].channel, mine[-1].ts

    def numbered(self, rest: str) -> tuple[str, str]:
        """(channel, ts) of the message shown as (N)."""
        if rest.isdigit() and 1 <= int(rest) <= len(self.listed):
            return self.listed[int(rest) - 1]
        raise LookupError("give the number of a message shown as (N); try `show`")

    def home(self) -> None:
        self.act(lambda: self.driver.app_home_opened(self.user.id))
        view = self.emulator.home(self.user.id)
        if view is None:
            self.say("(the App Home is empty)")
            return
        rendered = render_blocks(
            view.get("blocks") or [], self.names, start=max(self.actions, default=0) + 1
        )
        for ref in rendered.actions:
            self.actions[ref.number] = ("home", ref)
        self.say("=== App Home ===", *rendered.lines)

    def users(self) -> None:
        groups = self.emulator.seed.usergroups
        for user in self.emulator.seed.users:
            handles = " ".join(f"@{g.handle}" for g in groups if user.id in g.users)
            self.say(f"  @{user.name:<6} {user.real_name:<16} {user.tz:<20} {handles}".rstrip())


def run_shell(
    bot_url: str,
    signing_secret: str,
    emulator: SlackEmulator,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    *,
    user: str = "rita",
    channel: str = "marketing",
    quiet: float = 0.5,
    max_wait: float = 5.0,
    clock: Callable[[], datetime] = real_now,
) -> int:
    """Run the shell until `quit` or the end of input; returns the exit status (0). `clock`: the
    bot's, so "today" in its messages is the bot's today."""
    if stdin is sys.stdin and stdin.isatty():
        import readline  # noqa: F401  (line editing and history for input())
    driver = SlackDriver(bot_url, signing_secret, emulator)
    return Shell(driver, emulator, stdin, stdout, user, channel, quiet, max_wait, clock).run()
