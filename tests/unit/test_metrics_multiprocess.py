"""With PROMETHEUS_MULTIPROC_DIR, /metrics adds up every process's counters, and a process that
stopped no longer counts in the live gauge. Real processes, each importing the bot's metrics."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.scrape import Scrape

ROOT = Path(__file__).resolve().parents[2]


def run(code: str, folder: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_counters_of_two_processes_add_up_and_a_stopped_process_leaves_the_live_gauge(
    tmp_path: Path,
) -> None:
    worked = (
        "from bot.core import metrics\n"
        "metrics.reminder_sent('escalation')\n"
        "metrics.digest_sent('channel')\n"
        "metrics.outbox_outcome('chat.postMessage', 'retry', ratelimited=True)\n"
        "metrics.CALLS_IN_FLIGHT.inc()\n"
    )
    run(worked + "metrics.process_exiting()\n", tmp_path)  # stopped cleanly
    run(worked, tmp_path)  # killed: its call still counts as in flight until marked dead
    text = run(
        "from prometheus_client import generate_latest\n"
        "from bot.app.scrape import counters\n"
        "print(generate_latest(counters()).decode())\n",
        tmp_path,
    )
    found = Scrape(text)
    assert found.value("mopsbot_reminders_sent_total", kind="escalation") == 2
    assert found.value("mopsbot_digests_sent_total", kind="channel") == 2
    assert found.value("mopsbot_slack_ratelimited_total", method="chat.postMessage") == 2
    assert found.value("mopsbot_outbox_calls_in_flight") == 1
