"""The compliance lint's files in MOPSBOT_CACHE_DIR, tidied once at each start.

Each version of the examples trains a model of its own (`compliance-model-<key>.npz`, ~6 MB;
bot.compliance.semantic), and each new export of the encoder (new weights, recipe or ONNX Runtime)
writes another `minilm-<hash>-<readout>-int8.onnx` (~23 MB; bot.encoder.exported): nothing else
removes the old ones. Once the start's warm-up has read or made the files this version uses,
`tidy_after` marks them used (their mtime set to now) and removes the files of those kinds, and a
killed writer's leftovers, that no start has used for KEEP_DAYS.

Safe with several instances on one cache: a file is removed only when it is not this start's own
and no start has marked it for KEEP_DAYS. An instance that still runs holds what it read in
memory (and a removed file stays readable to whoever has it open). Should an old instance start
just as its file goes, it finds it missing and makes it again (it trains the model, or exports
the encoder, its lint on torch meanwhile): slower, never wrong. Two instances pruning at once
each skip what the other removed first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Collection, Iterable
from datetime import timedelta
from pathlib import Path

from bot.compliance import layers, semantic, tuned
from bot.encoder.exported import export_path
from bot.encoder.shared import lint_layers_encoder
from policies.compliance import ComplianceRules, ComplianceRulesError

log = logging.getLogger(__name__)

KEEP_DAYS = 30  # a file no start has used for this long, and not the current one, goes
KINDS = (
    "compliance-model-*.npz",  # a trained model: one per examples version, categories, encoder
    "minilm-*-int8.onnx",  # the encoder's export: one per weights, recipe and ONNX Runtime
    "minilm-*-int8.onnx.lock",  # its exporters' lock
    "tmp*.npz",  # a model on its way to its name, left by a process killed meanwhile
    ".export-*",  # a folder an export was being made in, left likewise
    "compliance-tuned-*",  # a tuned model's folder (bot.compliance.tuned), and its makers' lock
    "compliance-tuning-*.log",  # what its background worker printed
    ".tuning-*",  # a folder a tuned model was being made in, left by a killed maker
)


def in_use(rules: ComplianceRules) -> set[str]:
    """The names of the files this version reads for `rules`: the model trained for the lint's
    encoder, and the encoder's export with its lock (named even when this instance reads torch:
    another may read it). Call after the warm-up: it loads the encoder (and exports it)."""
    export = export_path(lint_layers_encoder(), semantic.cache_dir()).name
    key = semantic.model_key(rules, layers.encoder().id)
    names = {export, f"{export}.lock", *([semantic.model_path(key).name] if key else [])}
    setup = tuned.Setup.of(rules)
    if setup is not None and layers.tuning_wanted(rules):
        # The tuned model, and its export once made (while the worker tunes, what it writes is
        # newer than any cutoff).
        names |= {
            tuned.directory(setup.key).name,
            tuned.lock_path(setup.key).name,
            tuned.log_path(setup.key).name,
        }
        found = layers.tuned_reader(rules)
        if found is not None:
            names |= {f"{found.encoder_id}.onnx", f"{found.encoder_id}.onnx.lock"}
    return names


def mark_used(directory: Path, names: Iterable[str]) -> None:
    """Set these files' mtime to now: another instance's `prune` keeps them KEEP_DAYS more."""
    for name in names:
        # Not made (torch, or a failed write), or another user's: nothing to mark.
        with contextlib.suppress(OSError):
            os.utime(directory / name)


def prune(
    directory: Path,
    keep: Collection[str],
    older_than: timedelta,
    now: float | None = None,
) -> list[Path]:
    """Remove the files of KINDS in `directory` (a leftover folder with what it holds) whose
    mtime is older than `older_than`, except those named in `keep`; what was removed. Any other
    file, and one that can't be removed (a line in the log says why), stays."""
    cutoff = (time.time() if now is None else now) - older_than.total_seconds()
    removed: list[Path] = []
    for pattern in KINDS:
        for path in sorted(directory.glob(pattern)):
            if path.name in keep:
                continue
            try:
                if path.lstat().st_mtime > cutoff:
                    continue  # used, or being made, lately
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except FileNotFoundError:
                continue  # another instance removed it first
            except OSError as exc:
                log.warning("compliance.cache_not_pruned path=%s error=%s", path, exc)
                continue
            removed.append(path)
    return removed


def tidy_after(
    warm_up: threading.Thread,
    rules_of: Callable[[], ComplianceRules],
    keep_days: float = KEEP_DAYS,
) -> threading.Thread:
    """Once `warm_up` has read or made the files this version uses, mark them used and prune
    the cache directory of the rest (`prune`), in the background."""

    def tidy() -> None:
        warm_up.join()
        try:
            rules = rules_of()
            if rules.examples is None:
                return  # no model layer: this start read nothing there, and loads no encoder
            directory = semantic.cache_dir()
            kept = in_use(rules)
            mark_used(directory, kept)
            gone = prune(directory, kept, timedelta(days=keep_days))
            if gone:
                names = ", ".join(path.name for path in gone)
                log.info("compliance.cache_pruned directory=%s removed=%s", directory, names)
        except ComplianceRulesError:
            return  # nothing is removed: the warm-up, the gate and `mopsbot policy check` say why
        except Exception:  # nothing is removed
            log.exception("compliance.cache_prune_failed")

    thread = threading.Thread(target=tidy, name="compliance-cache-tidy", daemon=True)
    thread.start()
    return thread
