"""A local Slack: a fake Web API server, a driver that sends Slack's signed requests to the bot,
a text renderer and an interactive shell. Part of the product: `mopsbot shell` runs on it."""

from bot.emulator.driver import SlackDriver
from bot.emulator.records import Call, Change, Message, UploadedFile
from bot.emulator.seed import DEFAULT_SEED, Seed
from bot.emulator.server import SlackEmulator
from bot.emulator.signed import DeliveryResult

__all__ = [
    "DEFAULT_SEED",
    "Call",
    "Change",
    "DeliveryResult",
    "Message",
    "Seed",
    "SlackDriver",
    "SlackEmulator",
    "UploadedFile",
]
