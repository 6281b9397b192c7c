"""The intake model's copies of people's words: `corrections.json` in each model directory holds
the (text, label) pairs a model was trained on, the texts being intake requests' words.

Forgetting or purging a request's words removes its pairs from every model directory the bot
keeps: the current model, the one it replaced (`.previous`) and a refused retrain
(`.candidate`, `.candidate.previous`). Each file is rewritten under a temporary name and renamed
into place, so a retrain reading it sees the old list or the new one, never half of one. A
retrain after this works as before: it trains on the corrections still held (the database's,
which no longer have these words) and compares with the current recipe as its file now says.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable
from pathlib import Path

from bot.intake.classifier.store import CORRECTIONS


def model_dirs(current: Path) -> list[Path]:
    """The model directory and its siblings that hold a model (`<name>.previous`, ...)."""
    found = [current] if (current / CORRECTIONS).is_file() else []
    if current.parent.is_dir():
        found += sorted(
            sibling
            for sibling in current.parent.glob(f"{current.name}.*")
            if (sibling / CORRECTIONS).is_file()
        )
    return found


def _key(text: str) -> str:
    # The classifier's own text key (case and spacing do not make another example); imported
    # here because the classifier package loads numpy, which the bot's other paths don't need.
    from bot.intake.classifier.crossval import text_key

    return text_key(text)


def _pairs(directory: Path) -> list[list[str]]:
    try:
        rows = json.loads((directory / CORRECTIONS).read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [list(map(str, row)) for row in rows if isinstance(row, list) and len(row) == 2]


def count(directories: Iterable[Path], texts: Collection[str]) -> int:
    """How many stored pairs (across the directories) copy one of `texts`."""
    keys = {_key(text) for text in texts if text}
    if not keys:
        return 0
    return sum(_key(text) in keys for d in directories for text, _ in _pairs(d))


def remove(directories: Iterable[Path], texts: Collection[str]) -> int:
    """Remove the pairs whose text is one of `texts`; how many were removed. Every new file is
    written before any is renamed into place: a failure to write (OSError) changes no file."""
    keys = {_key(text) for text in texts if text}
    if not keys:
        return 0
    staged: list[tuple[Path, Path]] = []
    removed = 0
    try:
        for directory in directories:
            pairs = _pairs(directory)
            kept = [pair for pair in pairs if _key(pair[0]) not in keys]
            if len(kept) == len(pairs):
                continue
            target = directory / CORRECTIONS
            staging = target.with_name(f".{CORRECTIONS}.tmp-{os.getpid()}")
            staged.append((staging, target))
            staging.write_text(json.dumps(kept, ensure_ascii=False))
            removed += len(pairs) - len(kept)
    except OSError:
        for staging, _ in staged:
            staging.unlink(missing_ok=True)
        raise
    for staging, target in staged:
        os.replace(staging, target)
    return removed
