"""`docker stop` and Ctrl-C, on a real `mopsbot run --http` process: it stops taking deliveries,
gives up on a Slack call that hangs, exits 0 within seconds, and the outbox row it had not sent
yet is posted once, after the next start."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from bot.app.config import PACKAGE_POLICY
from bot.emulator import SlackEmulator
from bot.slack import outbox
from bot.storage.database import Database
from tests.soak.bots import BotEnvironment, BotProcess

pytestmark = pytest.mark.slow  # bot processes that load the intake model

# The stop's budget (bot.cli.main: HTTP_GRACE, then RUNTIME_GRACE) and the time to leave.
GIVES_UP_WITHIN = 3.0 + 4.0 + 1.5
HANGS_FOR = 30.0  # the answer to the stuck call: far past any stop


def post(db: Database, channel: str, text: str) -> None:
    with db.transaction() as session:
        outbox.enqueue(session, "chat.postMessage", {"channel": channel, "text": text})


def until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout:g} s: {what}")


def stopped_line(bot: BotProcess, start: int) -> str:
    text = bot.log_path.read_text().split(f"---- start {start}\n", 1)[1]
    return next((line for line in text.splitlines() if "'stopped'" in line), "")


def test_sigterm_stops_the_bot_at_once_and_a_row_not_sent_is_posted_once_after(
    tmp_path: Path, model_dir: Path
) -> None:
    with SlackEmulator() as emulator:
        url = f"sqlite:///{tmp_path / 'bot.db'}"
        environment = BotEnvironment.against(
            emulator,
            database_url=url,
            policy_file=PACKAGE_POLICY,
            model_dir=model_dir,
            folder=tmp_path,
        )
        environment.mopsbot("migrate")
        bot = BotProcess("bot", environment).start()
        bot.wait_ready()
        channel = emulator.channel("marketing").id
        db = Database(url)
        try:
            # A post Slack takes but answers only after the stop: the sender is stuck in it.
            emulator.late_next("chat.postMessage", HANGS_FOR)
            post(db, channel, "in flight at the stop")
            until(lambda: emulator.messages(channel), 10, "the first post reached Slack")
            post(db, channel, "enqueued just before the stop")
            started = time.monotonic()
            assert bot.stop(signal.SIGTERM) == 0
            took = time.monotonic() - started
            assert took < GIVES_UP_WITHIN, f"took {took:.1f} s"
            line = stopped_line(bot, 1)
            assert "signal='SIGTERM'" in line and "clean=False" in line, line

            bot.start().wait_ready()
            texts = lambda: [m.text for m in emulator.messages(channel)]  # noqa: E731
            until(lambda: len(texts()) >= 2, 15, "the row left pending was sent")
            time.sleep(1.2)  # a second post of either would come within a sender pass (1 s)
            assert sorted(texts()) == ["enqueued just before the stop", "in flight at the stop"]

            # Nothing running: the stop is clean, and quick.
            started = time.monotonic()
            assert bot.stop(signal.SIGINT) == 0
            took = time.monotonic() - started
            assert took < 2.0, f"took {took:.1f} s"
            assert "clean=True" in stopped_line(bot, 2)
        finally:
            bot.kill()
            db.dispose()
