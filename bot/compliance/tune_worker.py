"""The child process that tunes the lint's model in the background (bot.compliance.background):

    python -m bot.compliance.tune_worker PARENT_PID SETUP_FILE

(SETUP_FILE: the examples and settings, bot.compliance.tuned.Setup.dump.)

At low priority and on one torch thread, so the bot it was started by keeps its cores; it ends
itself when that bot is gone. Exit status 0 when the tuned model is in the cache.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

PRIORITY = 10  # os.nice: the bot's lints and clicks come first


def _exit_with_parent(parent: int) -> None:
    """A bot killed without its atexit hooks must not leave a child tuning for nobody."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str]) -> int:
    os.nice(PRIORITY)
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
    if len(argv) != 2:
        print("usage: python -m bot.compliance.tune_worker PARENT_PID SETUP_FILE", file=sys.stderr)
        return 2
    _exit_with_parent(int(argv[0]))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    import torch

    torch.set_num_threads(1)
    from pathlib import Path

    from bot.compliance import tuned

    made = tuned.make(tuned.Setup.load(Path(argv[1])))
    print(f"tuned in {made.seconds:.0f} s: {made.encoder.id}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
