"""A throwaway PostgreSQL cluster for tests that crash the server: initdb under /tmp, a port of
its own, run as the postgres user (runuser), removed after. Never the shared server, which other
tests and people use while this one is stopped and restarted with `pg_ctl -m immediate`.

Needs PostgreSQL 15's binaries and root (to run them as postgres): `available()` says whether
both are there, so a test can skip cleanly without them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> bool:
    return (BIN / "pg_ctl").exists() and os.geteuid() == 0


def _as_postgres(*command: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """One server: `stop_now()` and `restart_now()` are `pg_ctl -m immediate` (a crash, as far
    as its clients can tell: no checkpoint, connections cut, recovery from the WAL on start)."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.data, self.port = root / "data", port
        self.options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
        self.log = root / "server.log"
        self.restarts = 0

    def ctl(self, *args: str) -> None:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *args)

    def start(self) -> None:
        self.ctl("-o", self.options, "start")

    def stop_now(self) -> None:
        self.ctl("-m", "immediate", "stop")

    def restart_now(self) -> None:
        self.ctl("-m", "immediate", "-o", self.options, "restart")
        self.restarts += 1

    def url_of(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def admin_url(self) -> str:
        """The `postgres` database, where scratch databases are created."""
        return self.url_of("postgres")

    @property
    def url(self) -> str:
        """The `mopsbot` database `throwaway_cluster` creates."""
        return self.url_of("mopsbot")


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A new cluster with an empty `mopsbot` database, started; stopped and deleted after."""
    root = Path(tempfile.mkdtemp(prefix="mopsbot-pg-"))
    shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(root, _free_port())
    try:
        _as_postgres(
            str(BIN / "initdb"),
            "-D",
            str(cluster.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        )
        cluster.start()
        try:
            admin = create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE mopsbot"))
            admin.dispose()
            yield cluster
        finally:
            cluster.stop_now()
    finally:
        shutil.rmtree(root, ignore_errors=True)
