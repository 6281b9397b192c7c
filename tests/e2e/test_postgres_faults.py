"""PostgreSQL's connection cut in the middle of a delivery, by a small TCP proxy between the bot
and the server: cut before the COMMIT reaches the server (nothing was stored), or after it did
but before its answer came back (stored, and the bot cannot know). Either way the bot answers
the delivery 503, never 200; Slack's retry then does it (first case) or finds it done (second),
so the effect happens once; and the bot goes on through fresh connections.
Only with MOPSBOT_TEST_POSTGRES_URL; the proxy sits in front of the shared server."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.app.config import Settings
from bot.app.local import LocalBot, local_bot
from bot.slack.models import HandledDelivery, OutboxMessage
from bot.storage.database import Database
from tests.support.waiting import eventually


class CuttingProxy:
    """Forwards TCP to PostgreSQL; `arm(when)` cuts the next connection that commits a
    transaction which wrote `handled_deliveries` (a delivery's unit of work): "before" drops
    the COMMIT, "after" forwards it and drops the server's answer."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed: str | None = None
        self.cuts = 0
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, when: str) -> None:
        self.armed = when

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self._open += [client, server]
            state = {"delivery": False, "drop_answer": False}
            threading.Thread(target=self._up, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, state), daemon=True).start()

    def _cut(self, *ends: socket.socket) -> None:
        self.cuts += 1
        self.armed = None
        for end in ends:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def _up(self, client: socket.socket, server: socket.socket, state: dict) -> None:
        while True:
            try:
                chunk = client.recv(65536)
            except OSError:
                return
            if not chunk:
                with contextlib.suppress(OSError):
                    server.close()
                return
            if b"handled_deliveries" in chunk:
                state["delivery"] = True
            if b"COMMIT" in chunk and state["delivery"]:
                state["delivery"] = False
                with self._lock:
                    when = self.armed
                    if when == "before":
                        self._cut(client, server)
                        return
                    if when == "after":
                        state["drop_answer"] = True
            try:
                server.sendall(chunk)
            except OSError:
                return

    def _down(self, server: socket.socket, client: socket.socket, state: dict) -> None:
        while True:
            try:
                chunk = server.recv(65536)
            except OSError:
                return
            if not chunk or state["drop_answer"]:
                if state["drop_answer"]:
                    with self._lock:
                        self._cut(client, server)
                else:
                    with contextlib.suppress(OSError):
                        client.close()
                return
            try:
                client.sendall(chunk)
            except OSError:
                return

    def close(self) -> None:
        self.listener.close()
        for end in self._open:
            with contextlib.suppress(OSError):
                end.close()


@pytest.fixture
def proxied(db: Database) -> Iterator[tuple[LocalBot, CuttingProxy]]:
    if not db.is_postgres:
        pytest.skip("a PostgreSQL connection to cut")
    url = make_url(db.url)
    proxy = CuttingProxy(url.host or "127.0.0.1", url.port or 5432)
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        with local_bot(
            Settings(database_url=through), migrate_first=False, schedule=False
        ) as running:
            yield running, proxy
    finally:
        proxy.close()


def handled(local: LocalBot) -> int:
    with local.runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(HandledDelivery)) or 0


def publishes(local: LocalBot) -> int:
    with local.runtime.db.read() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.method == "views.publish")
            )
            or 0
        )


HOME = {"type": "app_home_opened", "user": "U02BRAM", "tab": "home", "event_ts": "1.0"}


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_cut_around_commit_is_never_acked_and_the_retry_acts_once(
    proxied: tuple[LocalBot, CuttingProxy], when: str
) -> None:
    local, proxy = proxied
    proxy.arm(when)
    cut = local.driver.event(HOME, event_id=f"Ev0CUT{when.upper()}")
    assert proxy.cuts == 1
    assert cut.status == 503  # not acked: Slack will retry
    stored = handled(local)
    assert stored == (1 if when == "after" else 0)  # the server decided; the bot could not know
    again = local.driver.event(HOME, event_id=f"Ev0CUT{when.upper()}", retry_num=1)
    assert again.status == 200  # a fresh connection (pool_pre_ping drops the cut one)
    assert handled(local) == 1 and publishes(local) == 1
    eventually(lambda: local.emulator.home("U02BRAM"), "bram's home published once")
