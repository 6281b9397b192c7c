"""Leading `--options` of a slash command's text, read by argparse; the rest stays free text.

Slack hands a command one string. Its options come first (`--channel sms`, `--channel=sms`);
what follows is the person's own text, kept exactly as typed (line breaks, quotes, a leading
"-20%"), so it is never split the way a shell would split it. A bad option is a UsageError whose
message says what is wrong in plain words; the command adds its usage line.
"""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

from bot.slack.blocks import echo, escape

_WORD = re.compile(r"\S+")
_OPTION = re.compile(r"--[A-Za-z]")  # "---" or "--%" is text, not an option


class UsageError(ValueError):
    """The options can't be read; the message is for the person, already escaped."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(escape(message))


class SlashOptions:
    """The options one slash command takes, declared once: `options.value("--channel", "a
    channel name")`, then `namespace, text = options.parse(command_text)`."""

    def __init__(self, command: str) -> None:
        self._parser = _Parser(prog=command, add_help=False, allow_abbrev=False)
        self._needs: dict[str, str] = {}  # option -> what its value is, for "needs a ..."

    def value(self, option: str, what: str) -> None:
        """An option that takes one value (`--channel NAME` or `--channel=NAME`)."""
        self._parser.add_argument(option)
        self._needs[option] = what

    def parse(self, text: str) -> tuple[argparse.Namespace, str]:
        """The options before the text, and the text after them (`--` ends the options)."""
        words = list(_WORD.finditer(text))
        head: list[str] = []
        end = 0
        index = 0
        while index < len(words):
            word = words[index].group()
            if word == "--":  # the end of the options: the text may itself start with "--x"
                end = words[index].end()
                break
            if not _OPTION.match(word):
                break
            end = words[index].end()
            index += 1
            option, equals, value = word.partition("=")
            if option not in self._needs:
                raise UsageError(f"I don't know the option `{echo(option)}`.")
            if equals and not value:
                raise UsageError(f"`{option}` needs {self._needs[option]}.")
            head.append(word)
            if not equals:
                if index == len(words) or _OPTION.match(words[index].group()):
                    raise UsageError(f"`{option}` needs {self._needs[option]}.")
                head.append(words[index].group())
                end = words[index].end()
                index += 1
        return self._parser.parse_args(head), text[end:].strip()
