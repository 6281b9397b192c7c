"""Bot processes as an operator runs them: `mopsbot migrate`, then `mopsbot run --http`, with the
environment the README's Deploying section documents; killed with SIGKILL, started again.

The processes run this checkout's code (`python -m bot.cli.main` with the repository first on
PYTHONPATH), from a scratch working folder so no `.env` of the developer's leaks in.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.emulator import SlackEmulator

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 300.0  # a cold start on a busy 2-core machine imports torch and the model
STOP_GRACE = 10.0  # docker stop's default, before its SIGKILL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class BotEnvironment:
    """What every instance shares: the database, the policy, the model, Slack's address."""

    database_url: str
    policy_file: Path
    model_dir: Path
    api_url: str
    bot_token: str
    signing_secret: str
    folder: Path
    tick_seconds: float = 1.0
    clock_offset: float = 0.0
    slack_timeout: float = 15.0  # MOPSBOT_SLACK_TIMEOUT: shorter than a late answer under faults
    # MOPSBOT_TASK_LEASE: a task a killed instance was preparing is taken over after this, not
    # after production's minute of waiting (the run's end waits for it: it proves the same).
    task_lease: float = 10.0

    @classmethod
    def against(
        cls,
        emulator: SlackEmulator,
        *,
        database_url: str,
        policy_file: Path,
        model_dir: Path,
        folder: Path,
        clock_offset: float = 0.0,
        slack_timeout: float = 15.0,
    ) -> BotEnvironment:
        """Instances that talk to `emulator` as their Slack, with a fresh signing secret."""
        return cls(
            database_url=database_url,
            policy_file=policy_file,
            model_dir=model_dir,
            api_url=emulator.api_url,
            bot_token=emulator.bot_token,
            signing_secret=secrets.token_hex(16),
            folder=folder,
            clock_offset=clock_offset,
            slack_timeout=slack_timeout,
        )

    def variables(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "MOPSBOT_", "DATABASE_URL"))
        }
        # The compliance model's cache the test session warmed (tests/soak/conftest.py): with
        # another, a bot's first start exports the encoder and trains the model (~20 s) itself.
        if cache := os.environ.get("MOPSBOT_CACHE_DIR"):
            env["MOPSBOT_CACHE_DIR"] = cache
        env.update(
            PYTHONPATH=str(ROOT),
            SLACK_BOT_TOKEN=self.bot_token,
            SLACK_SIGNING_SECRET=self.signing_secret,
            SLACK_API_URL=self.api_url,
            DATABASE_URL=self.database_url,
            MOPSBOT_POLICY_FILE=str(self.policy_file),
            MOPSBOT_INTAKE_MODEL_DIR=str(self.model_dir),
            MOPSBOT_TICK_SECONDS=str(self.tick_seconds),
            MOPSBOT_TEST_CLOCK_OFFSET=str(self.clock_offset),
            MOPSBOT_SLACK_TIMEOUT=str(self.slack_timeout),
            MOPSBOT_TASK_LEASE=str(self.task_lease),
            MOPSBOT_LOG_LEVEL="INFO",
            # No background fine-tuning of the lint's encoder: minutes of a core, restarted at
            # every kill, would measure the tuning and not the bot.
            MOPSBOT_LINT_TUNING="off",
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
        )
        return env

    def mopsbot(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """One `mopsbot` command run to completion (migrate, intake ensure)."""
        return subprocess.run(
            [sys.executable, "-m", "bot.cli.main", *args],
            env=self.variables(),
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )


@dataclass
class BotProcess:
    """One instance serving HTTP on its own port; `kill()` is SIGKILL, `stop()` SIGTERM, `start()`
    starts it again on the same port (what a supervisor does). `lock` and `held` let the harness's killer and its
    supervisor take turns: a held instance is down on purpose and is not started again."""

    name: str
    environment: BotEnvironment
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0
    started_at: float = 0.0  # time.monotonic() of the latest start
    exits: int = 0  # times it exited by itself (e.g. started while the database was down)
    held: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def log_path(self) -> Path:
        return self.environment.folder / f"{self.name}.log"

    def start(self) -> BotProcess:
        self.starts += 1
        self.started_at = time.monotonic()
        with self.log_path.open("ab") as log:
            log.write(f"---- start {self.starts}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot.cli.main",
                    "run",
                    "--http",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env=self.environment.variables(),
                cwd=self.environment.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> float:
        """Until /readyz answers 200 (database, migrations, policy, intake model); returns the
        seconds since the start."""
        deadline = time.monotonic() + timeout
        ready = f"http://127.0.0.1:{self.port}/readyz"
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited: see {self.log_path}")
            try:
                with urllib.request.urlopen(ready, timeout=5):
                    return time.monotonic() - self.started_at
            except urllib.error.HTTPError as error:
                last = error.read().decode(errors="replace")[:300]
            except (urllib.error.URLError, OSError) as error:
                last = str(error)
            time.sleep(0.2)
        raise TimeoutError(
            f"{self.name} not ready within {timeout:g} s ({last}): see {self.log_path}"
        )

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed, open transactions die with the socket."""
        if self.process is not None and self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.kills += 1

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """A graceful stop, as `docker stop` makes it: SIGTERM (or `sig`), then SIGKILL if it has
        not exited within STOP_GRACE (the bot stops in well under a second, and gives up on work
        still running after a few: bot.cli.main). Returns the exit status."""
        if self.process is None:
            raise RuntimeError(f"{self.name} was never started")
        if not self.alive():
            return int(self.process.returncode)
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)


@contextmanager
def running_bots(environment: BotEnvironment, instances: int) -> Iterator[list[BotProcess]]:
    """The start-up sequence of compose.yaml: `mopsbot migrate`, then the instances, all ready;
    whatever is still running at the end is killed."""
    environment.mopsbot("migrate")
    bots = [BotProcess(f"bot-{n + 1}", environment) for n in range(instances)]
    try:
        for bot in bots:
            bot.start()
        for bot in bots:
            bot.wait_ready()
        yield bots
    finally:
        for bot in bots:
            bot.kill()
