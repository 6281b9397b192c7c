"""What `mopsbot` does when a command fails: one line on stderr and a non-zero exit, never a
traceback. The commands raise; this is the one place that words it."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from bot.app.config import SettingsError
from bot.storage.database import NoDatabase
from policies.yaml_files import PolicyError

log = logging.getLogger("mopsbot.cli")

USAGE, FAILED, INTERRUPTED = 2, 1, 130


def reporting_errors(command: Callable[[], int]) -> int:
    """`command()`'s exit status, or the status of the error it raised, said in one line."""
    try:
        return command()
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt:
        return INTERRUPTED
    except (NoDatabase, SettingsError) as exc:
        return fail(str(exc), USAGE)
    except PolicyError as exc:  # a policy or taxonomy a command reads
        return fail("; ".join(exc.errors), USAGE)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or exc}")
    except Exception as exc:
        return _unexpected(exc)


def fail(message: str, status: int = FAILED) -> int:
    print(f"mopsbot: {first_line(message)}", file=sys.stderr)
    return status


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no details"


def _reader_gone() -> int:
    """The reader stopped reading (`mopsbot lint --jsonl FILE | head -3`): stop quietly. Python
    flushes stdout at exit, which would fail again, so point it at /dev/null first (the recipe
    in the `signal` module's documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return FAILED


def _unexpected(exc: Exception) -> int:
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    if isinstance(exc, OperationalError):
        return fail(f"can't reach the database: {first_line(str(exc.orig or exc))}")
    if isinstance(exc, SQLAlchemyError):
        return fail(f"the database refused: {first_line(str(exc))}")
    log.debug("unexpected error", exc_info=exc)  # MOPSBOT_LOG_LEVEL=DEBUG shows the traceback
    return fail(f"unexpected error ({type(exc).__name__}): {first_line(str(exc))}")
