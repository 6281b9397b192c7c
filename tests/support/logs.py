"""The bot's log lines during tests: structlog renders each event to one key=value string and hands
it to stdlib logging, where pytest takes it (`log_file` in pyproject.toml, and "Captured log" on
a failure). Unconfigured, structlog prints to stdout, and the sender's and worker's threads
printed between pytest's progress dots."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog


def route_structlog_to_logging() -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.processors.format_exc_info,
            structlog.processors.KeyValueRenderer(key_order=["event"], drop_missing=True),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: a logger first used while a CLI test had reconfigured logging would
        # otherwise keep that configuration for the rest of the session.
        cache_logger_on_first_use=False,
    )
    # As in production (bot/core/logs.py): third-party chatter stays at WARNING.
    for noisy in ("slack_sdk", "slack_bolt", "apscheduler", "waitress", "werkzeug", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@contextmanager
def logging_restored() -> Iterator[None]:
    """The root logger's handlers and level, and structlog's configuration, as they were before:
    the CLI's `main()` calls `configure_logging()`, which would replace pytest's handlers (and
    so the log file) for every later test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    config: dict[str, Any] = structlog.get_config()
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.configure(**config)
