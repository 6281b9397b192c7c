"""A bot with nothing to do does nothing: waiting costs no CPU."""

from __future__ import annotations

import time

from bot.app.local import LocalBot


def test_an_idle_bot_leaves_the_cores_alone(local: LocalBot) -> None:
    # Every thread of this process: the bot's HTTP server, its outbox sender, task worker and
    # scheduler, and the emulator. Waiting, they sleep; a loop that never waits spent ~1 s of
    # CPU per second here (waitress had read its 0.05 s select timeout as 0).
    time.sleep(0.5)  # the start's own work (the checks of the channels) is done
    started = time.process_time()
    time.sleep(2.0)
    spent = time.process_time() - started
    assert spent < 0.3, f"{spent:.2f} s of CPU in 2 s of idling"
