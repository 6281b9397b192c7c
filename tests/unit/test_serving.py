"""The HTTP server `mopsbot run --http` serves with: its idle loop waits in select()."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from slack_bolt import App
from waitress import wasyncore

from bot.app.serving import HttpServer
from bot.cli.main import STOP_POLL


def test_the_served_loop_waits_in_select_for_the_stop_poll(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # waitress reads create_server's asyncore_loop_timeout as an int: STOP_POLL's 0.2 became 0,
    # a select() that never waited, so every `mopsbot run --http` process spun a core from start
    # to stop (idle: 1.0 s of CPU a second, 0.015 s once fixed), beside the requests it served.
    timeouts: list[float] = []
    looped = threading.Event()

    def recording(real: Callable[..., None]) -> Callable[..., None]:
        def poll(timeout: float, socket_map: dict[int, Any]) -> None:  # waitress passes both
            timeouts.append(timeout)
            looped.set()
            real(timeout, socket_map)

        return poll

    monkeypatch.setattr(wasyncore, "poll", recording(wasyncore.poll))
    monkeypatch.setattr(wasyncore, "poll2", recording(wasyncore.poll2))
    app = App(token="xoxb-test", signing_secret="s", token_verification_enabled=False)
    server = HttpServer(app, port=0, stop_within=STOP_POLL).start()
    try:
        assert looped.wait(timeout=30), "waitress's loop never ran"
    finally:
        server.stop(grace=1)
    assert STOP_POLL > 0
    assert set(timeouts) == {STOP_POLL}
