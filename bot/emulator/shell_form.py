"""The shell's modal form: one prompt per input, choices by number, and only the refused
fields asked again after the bot answers `response_action: errors`."""

from __future__ import annotations

from typing import Any, Protocol

from bot.emulator.driver import SlackDriver
from bot.emulator.payloads import MANY_OPTIONS, ONE_OPTION
from bot.emulator.render import ActionRef, InputField, Names, render_blocks
from bot.emulator.seed import User
from bot.emulator.server import SlackEmulator


class Shell(Protocol):
    """What the form needs of the shell (bot.emulator.shell.Shell), so neither imports the other."""

    driver: SlackDriver
    emulator: SlackEmulator
    user: User
    names: Names
    actions: dict[int, tuple[Any, ActionRef]]
    view_touched: bool

    def say(self, *lines: str) -> None: ...

    def read(self, prompt: str) -> str | None: ...

    def settle(self) -> None: ...


def fill_modal(shell: Shell) -> None:
    """Prompt for each input of the open modal, submit, and re-ask what the bot refused."""
    asked: set[str] | None = None  # None: every input
    typed: dict[str, Any] = {}  # what the person gave each input: Slack keeps it on an error
    while (view := shell.emulator.current_view(shell.user.id)) is not None:
        rendered = render_blocks(
            view.get("blocks") or [], shell.names, start=max(shell.actions, default=0) + 1
        )
        if asked is None:
            title = (view.get("title") or {}).get("text", "")
            shown = render_blocks(
                [b for b in view.get("blocks") or [] if b.get("type") != "input"], shell.names
            )
            shell.say(f"=== {title} === (`cancel` closes it)", *shown.lines)
        for ref in rendered.actions:
            shell.actions[ref.number] = ("view", ref)
        if not rendered.inputs:
            shell.say("(a modal without inputs: `click N` its buttons or `close` it)")
            return
        values: dict[str, Any] = {}
        for field in rendered.inputs:
            if asked is not None and field.block_id not in asked:
                continue
            kept = typed.get(field.block_id) if asked is not None else None
            answer = ask(shell, field, kept)
            if answer is None:
                shell.driver.close_view(shell.user.id)
                shell.settle()
                return
            if answer != "":
                values[field.block_id] = answer
            elif kept is not None:
                values[field.block_id] = kept
            elif not field.initial:
                values[field.block_id] = None
        typed.update(values)
        before = view.get("hash")
        shell.view_touched = False
        result = shell.driver.submit_view(shell.user.id, values)
        shell.settle()
        if result.errors:
            for block_id, error in result.errors.items():
                label = next((f.label for f in rendered.inputs if f.block_id == block_id), block_id)
                shell.say(f"! {label}: {error}")
            asked = set(result.errors)
        elif result.status not in (0, 200):
            shell.say(f"! the bot answered HTTP {result.status}; the modal stays open")
            return
        else:
            current = shell.emulator.current_view(shell.user.id)
            if current is None or current.get("hash") == before:
                return
            asked = None


def ask(shell: Shell, field: InputField, kept: Any = None) -> Any:
    """One input: returns the value, "" to keep what is there (`kept`, what the person typed
    before the bot refused the form, or the input's initial value), None to cancel the modal."""
    need = "optional" if field.optional else "required"
    kind = {
        "datepicker": "YYYY-MM-DD",
        "users_select": "a person",
        "multi_users_select": "people, separated by commas",
        "channels_select": "a channel, like #marketing",
        "conversations_select": "a channel, like #marketing",
        "number_input": "number",
    }
    note = ", ".join(p for p in (need, kind.get(field.type, "")) if p)
    shell.say(f"{field.label} ({note})" + (f": {field.hint}" if field.hint else ""))
    for index, (label, _) in enumerate(field.options, start=1):
        shell.say(f"    {index}) {label}")
    shown = _shown(field, kept) if kept is not None else field.initial
    if shown:
        shell.say(f"    (Enter keeps: {shown})")
    while True:
        line = shell.read("  > ")
        if line is None or line.strip() in ("cancel", "close"):
            return None
        line = line.strip()
        if field.type not in ONE_OPTION or not line or _option(field, line) is not None:
            break
        # Slack's menu offers only its options: ask again rather than lose the whole form.
        shell.say(
            f"! choose a number from 1 to {len(field.options)}, or `cancel` to close the form"
        )
    if field.type in ONE_OPTION and line:
        return _option(field, line)
    if field.type in MANY_OPTIONS and line:
        picks = [p.strip() for p in line.split(",") if p.strip()]
        return [
            field.options[int(p) - 1][1] if p.isdigit() and 1 <= int(p) <= len(field.options) else p
            for p in picks
        ]
    return line


def _option(field: InputField, line: str) -> str | None:
    """The value of the option chosen by number or by its label, None when there is none."""
    if line.isdigit() and 1 <= int(line) <= len(field.options):
        return field.options[int(line) - 1][1]
    return next((value for label, value in field.options if line in (label, value)), None)


def _shown(field: InputField, value: Any) -> str:
    """A value typed before, as the person gave it: an option's label, not its value."""
    labels = {option: label for label, option in field.options}
    if isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value)
    return labels.get(value, str(value))
