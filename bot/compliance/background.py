"""Tuning the lint's model in a child process (bot.compliance.tune_worker) while the frozen
encoder's model serves.

A child, not a thread: fine-tuning holds the GIL for most of each step, and the bot's threads
answer Slack meanwhile; at nice 10 on one torch thread it takes a core only when nobody else
wants it. One try per model per process: a crash logs one line and is tried again at the next
start, never in a loop. The child ends with the bot (terminated at exit; it also watches for its
parent, in case the bot is killed).
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.compliance import semantic, tuned

log = logging.getLogger(__name__)

STOP_SECONDS = 5.0

_lock = threading.Lock()
_tried: set[str] = set()
_children: list[subprocess.Popen[bytes]] = []
_stopping = False  # set by stop(): a child ended by its bot's exit did not fail


def start(
    setup: tuned.Setup,
    on_ready: Callable[[tuned.TunedModel], None],
    command: Sequence[str] | None = None,
) -> threading.Thread | None:
    """Tune `setup` in a child process and give the result to `on_ready` (in a thread of this
    process) when it is in the cache. None, and nothing started, when this process tried it
    already. `command` replaces the worker's command line (tests start one that fails)."""
    with _lock:
        if setup.key in _tried:
            return None
        _tried.add(setup.key)
    cache = semantic.cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    job = cache / f".compliance-tuning-{setup.key}-{os.getpid()}.json"
    setup.dump(job)
    output = tuned.log_path(setup.key)
    argv = list(command or [sys.executable, "-m", "bot.compliance.tune_worker"])
    argv += [str(os.getpid()), str(job)]
    with open(output, "ab") as out:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    with _lock:
        _children.append(child)
    log.info("compliance.tuning_started pid=%s log=%s", child.pid, output)
    thread = threading.Thread(
        target=_wait,
        args=(child, setup, on_ready, job, output),
        name="compliance-tuning",
        daemon=True,
    )
    thread.start()
    return thread


def _wait(
    child: subprocess.Popen[bytes],
    setup: tuned.Setup,
    on_ready: Callable[[tuned.TunedModel], None],
    job: Path,
    output: Path,
) -> None:
    code = child.wait()
    job.unlink(missing_ok=True)
    with _lock:
        if child in _children:
            _children.remove(child)
    found = tuned.read(setup) if code == 0 else None
    if found is None and _stopping:
        log.info("compliance.tuning_stopped: the bot is stopping; it tunes again at its next start")
        return
    if found is None:
        log.error(
            "compliance.tuning_failed exit=%s log=%s: the frozen encoder's model keeps serving; "
            "tuning is tried again at the next start",
            code,
            output,
        )
        return
    on_ready(found)


def running() -> list[int]:
    """The pids of the tuning children still running."""
    with _lock:
        return [child.pid for child in _children if child.poll() is None]


@atexit.register
def stop() -> None:
    """Terminate the tuning children (at exit: none is left tuning for nobody)."""
    global _stopping
    with _lock:
        _stopping = True
        children = list(_children)
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
